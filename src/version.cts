/** The product version; a test keeps it equal to package.json's. CommonJS, so the CommonJS bin (src/cli/bin.cts) answers --version without the ES module loader. */
export const VERSION = '0.1.0';

/** The virtual cellular module: AT dialects and quirks around a hosted `VirtualCard`. */
export { VirtualModem, type CardCommandResult, type CommandTiming, type ModemStats, type TimingHook, type VirtualModemOptions } from './modem.js';
export { defaultQuirks, CME_TEXT, type CchoShape, type InjectedFailure, type LineLimit, type Quirks, type ResponseShape, type TestCommandMode } from './quirks.js';
export { VENDOR_NAMES, isVendorName, vendorProfile, type VendorName, type VendorProfile } from './vendors.js';
export { createVirtualBinding, VirtualPortBinding, type VirtualBinding, type VirtualModemFactory } from './binding.js';
export { serveModemOnPty, serveOnPty, type ByteEndpoint, type PtyServer, type PtyServerOptions } from './pty.js';
export { VirtualQmiEndpoint, type QmiEndpointOptions } from './qmi/endpoint.js';
export { VirtualMbimEndpoint, type MbimEndpointOptions } from './mbim/endpoint.js';
export { runServeModem, type ServeModemOptions } from './serveModem.js';

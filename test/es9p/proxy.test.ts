import { describe, expect, it } from 'vitest';
import { isLoopback, parseProxyUrl, proxyFor, splitNoProxy } from '../../src/es9p/proxy.js';

describe('proxy settings', () => {
  it('parses http:// proxy URLs (bare host:port too), credentials into a header, never in the label', () => {
    expect(parseProxyUrl('http://proxy.corp:3128')).toEqual({ host: 'proxy.corp', port: 3128, label: 'proxy.corp:3128' });
    expect(parseProxyUrl('proxy.corp:8080')).toMatchObject({ host: 'proxy.corp', port: 8080 });
    expect(parseProxyUrl('http://[fd00::1]:3128').label).toBe('[fd00::1]:3128');
    const p = parseProxyUrl('http://us%40er:p%3Ass@proxy.corp:3128/');
    expect(p.label).toBe('proxy.corp:3128');
    expect(p.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(() => parseProxyUrl('https://proxy.corp:3128')).toThrow(/only http:\/\/ proxies/);
    expect(() => parseProxyUrl('http://proxy.corp:3128/path')).toThrow(/without a path/);
  });

  it('NO_PROXY: *, domains and their subdomains, .domain, host:port, IPs and CIDR; loopback is always direct', () => {
    const s = (noProxy: string) => ({ url: 'http://proxy:3128', noProxy: splitNoProxy(noProxy) });
    expect(proxyFor(s(''), 'rsp.example.com', 443)?.label).toBe('proxy:3128');
    expect(proxyFor(s('*'), 'rsp.example.com', 443)).toBeUndefined();
    expect(proxyFor(s('example.com'), 'rsp.example.com', 443)).toBeUndefined();
    expect(proxyFor(s('example.com'), 'badexample.com', 443)).toBeDefined();
    expect(proxyFor(s('.example.com'), 'example.com', 443)).toBeUndefined();
    expect(proxyFor(s('rsp.example.com:8443'), 'rsp.example.com', 443)).toBeDefined();
    expect(proxyFor(s('rsp.example.com:8443'), 'rsp.example.com', 8443)).toBeUndefined();
    expect(proxyFor(s('10.0.0.0/8, 192.168.1.7'), '10.1.2.3', 443)).toBeUndefined();
    expect(proxyFor(s('10.0.0.0/8 192.168.1.7'), '192.168.1.7', 443)).toBeUndefined();
    expect(proxyFor(s('10.0.0.0/8'), '11.1.2.3', 443)).toBeDefined();
    expect(proxyFor(s('fd00::/8'), 'fd12::1', 443)).toBeUndefined();
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost', 'a.localhost']) {
      expect(isLoopback(h)).toBe(true);
      expect(proxyFor(s(''), h, 443)).toBeUndefined();
    }
    expect(proxyFor({ noProxy: [] }, 'rsp.example.com', 443)).toBeUndefined(); // no proxy configured
  });
});

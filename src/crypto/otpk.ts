/**
 * One-time ECKA key pairs (otPK/otSK.EUICC.ECKA and otPK/otSK.DP.ECKA, SGP.22 2.6): generated per
 * download, public half exchanged as an uncompressed point, ECDH gives the BSP shared secret.
 */

import { createECDH, type ECDH } from 'node:crypto';
import { LpaError } from '../errors.js';
import type { EcCurve } from './ecdsa.js';

export class OneTimeKeyPair {
  readonly curve: EcCurve;
  readonly #ecdh: ECDH;

  private constructor(curve: EcCurve, ecdh: ECDH) {
    this.curve = curve;
    this.#ecdh = ecdh;
  }

  /** A fresh random key pair on `curve`. */
  static generate(curve: EcCurve = 'prime256v1'): OneTimeKeyPair {
    const ecdh = createECDH(curve);
    ecdh.generateKeys();
    return new OneTimeKeyPair(curve, ecdh);
  }

  /** A key pair from a known 32-byte private scalar (tests, resuming a persisted session). */
  static fromPrivateScalar(d: Uint8Array, curve: EcCurve = 'prime256v1'): OneTimeKeyPair {
    const ecdh = createECDH(curve);
    try {
      ecdh.setPrivateKey(Buffer.from(d));
    } catch (e) {
      throw new LpaError('CRYPTO', `invalid ${curve} one-time private key`, { curve }, { cause: e });
    }
    return new OneTimeKeyPair(curve, ecdh);
  }

  /** The public key as an uncompressed point, 04||X||Y (65 bytes). */
  get publicPoint(): Uint8Array {
    return new Uint8Array(this.#ecdh.getPublicKey(null, 'uncompressed'));
  }

  /** The private scalar (32 bytes). Secret: never log it. */
  privateScalar(): Uint8Array {
    return new Uint8Array(this.#ecdh.getPrivateKey());
  }

  /** ECDH shared secret (the X coordinate, 32 bytes) with the peer's uncompressed point. */
  sharedSecret(peerPoint: Uint8Array): Uint8Array {
    if (peerPoint.length !== 65 || peerPoint[0] !== 0x04) {
      throw new LpaError('CRYPTO', `peer one-time key must be an uncompressed point (65 bytes starting 04), got ${peerPoint.length} bytes`, {
        length: peerPoint.length,
      });
    }
    try {
      return new Uint8Array(this.#ecdh.computeSecret(Buffer.from(peerPoint)));
    } catch (e) {
      throw new LpaError('CRYPTO', `peer one-time key is not a valid ${this.curve} point`, { curve: this.curve }, { cause: e });
    }
  }

  /** Keeps the private key out of logs and JSON dumps. */
  toJSON(): { curve: EcCurve; publicPoint: string } {
    return { curve: this.curve, publicPoint: Buffer.from(this.publicPoint).toString('hex') };
  }
}

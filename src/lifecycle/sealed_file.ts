// Files the product writes outside the database (exports) are sealed with the database's key:
// AES-256-GCM under a scrypt-derived key, so no memory text leaves the data directory in clear.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { MemoryError } from "../core/errors.ts";

const MAGIC = new TextEncoder().encode("AIMEMSEALED1");
const SALT = 16;
const IV = 12;
const TAG = 16;

function keyFor(passphrase: string, salt: Uint8Array): Buffer {
  return scryptSync(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/** True when `bytes` is a sealed file. */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length > MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Encrypt `plain` with a key derived from `passphrase`. */
export function seal(plain: Uint8Array, passphrase: string): Uint8Array {
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", keyFor(passphrase, salt), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), body]);
}

/**
 * Decrypt a sealed file.
 * @throws {MemoryError} invalid_input when the key is wrong or the file was altered
 */
export function unseal(sealed: Uint8Array, passphrase: string): Uint8Array {
  let at = MAGIC.length;
  const salt = sealed.subarray(at, at += SALT);
  const iv = sealed.subarray(at, at += IV);
  const tag = sealed.subarray(at, at += TAG);
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFor(passphrase, salt), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(at)), decipher.final()]);
  } catch {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: the sealed file's key does not match or the file was altered",
    );
  }
}

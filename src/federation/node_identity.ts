// A node's federation identity: an ECDSA P-256 key and an X.509 certificate for both TLS ends
// (self-signed or signed by a site CA), its SHA-256 fingerprint, and loading it for the transport.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "../deps/x509.ts";
import { normaliseFingerprint } from "../core/federation_config.ts";
import { MemoryError } from "../core/errors.ts";
export { normaliseFingerprint } from "../core/federation_config.ts";
export type { PeerConfig } from "../core/federation_config.ts";

/** The key and certificate a node presents to its peers, loaded for node:https and request signing. */
export interface NodeTls {
  /** PEM PKCS#8 private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
  /** PEM certificates of the site CA, when peers must chain to one. */
  ca?: string[];
  /** SHA-256 fingerprint of `cert`, 64 lower-case hex digits. */
  fingerprint: string;
  /** The same private key for signing peer requests. */
  privateKey: CryptoKey;
}

/** A freshly made identity. */
export interface NodeIdentity {
  keyPem: string;
  certPem: string;
  fingerprint: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const SAN_DNS =
  /^(?=.{1,253}$)[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const DAY_MS = 86_400_000;

/** SHA-256 fingerprint (64 lower-case hex digits) of a certificate's DER bytes. */
export function derFingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

function parseCertificate(pem: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw new MemoryError("invalid_input", `Invalid input: ${what}: not a PEM X.509 certificate`);
  }
}

/**
 * SHA-256 fingerprint of the (first) certificate in a PEM text, as 64 lower-case hex digits.
 * @throws {MemoryError} invalid_input when the text holds no certificate
 */
export function certFingerprint(pem: string): string {
  return derFingerprint(new Uint8Array(parseCertificate(pem, "certificate").rawData));
}

async function importPrivateKey(pem: string, what: string): Promise<CryptoKey> {
  let der: ArrayBuffer;
  try {
    const buffers = x509.PemConverter.decode(pem);
    if (buffers.length !== 1 || !/-----BEGIN PRIVATE KEY-----/.test(pem)) throw new Error("not PKCS#8");
    der = buffers[0]!;
  } catch {
    throw new MemoryError("invalid_input", `Invalid input: ${what}: not a PEM PKCS#8 private key`);
  }
  try {
    return await crypto.subtle.importKey("pkcs8", der, ALGORITHM, true, ["sign"]);
  } catch {
    throw new MemoryError("invalid_input", `Invalid input: ${what}: not an ECDSA P-256 private key`);
  }
}

/** Whether `privateKey` belongs to `cert`: sign a probe with one, verify it with the other. */
async function keyMatches(privateKey: CryptoKey, cert: x509.X509Certificate): Promise<boolean> {
  const publicKey = await cert.publicKey.export(ALGORITHM, ["verify"]).catch(() => null);
  if (!publicKey) return false;
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(ALGORITHM, privateKey, probe);
  return await crypto.subtle.verify(ALGORITHM, publicKey, signature, probe);
}

function checkNameAndDays(commonName: string, days: number): void {
  if (!/^[A-Za-z0-9 ._@:-]{1,64}$/.test(commonName)) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: cn: must be 1-64 characters of A-Z a-z 0-9 space . _ @ : -",
    );
  }
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new MemoryError("invalid_input", "Invalid input: days: must be an integer from 1 to 3650");
  }
}

function sanEntry(name: string): { type: "ip" | "dns"; value: string } {
  if (isIP(name)) return { type: "ip", value: name };
  if (SAN_DNS.test(name)) return { type: "dns", value: name.toLowerCase() };
  throw new MemoryError(
    "invalid_input",
    `Invalid input: san: "${name}" is neither an IP address nor a DNS name`,
  );
}

/**
 * A new ECDSA P-256 key and a certificate for it, usable as TLS server and client (serverAuth +
 * clientAuth), with the given subject alternative names; self-signed unless a site CA is given.
 * @throws {MemoryError} invalid_input naming the bad field (commonName, san, days, ca)
 */
export async function createNodeIdentity(
  options: { commonName: string; san: string[]; days: number; ca?: { certPem: string; keyPem: string } },
): Promise<NodeIdentity> {
  const { commonName, san, days } = options;
  checkNameAndDays(commonName, days);
  if (san.length === 0 || san.length > 32) {
    throw new MemoryError("invalid_input", "Invalid input: san: must list 1 to 32 names or addresses");
  }
  const names = san.map(sanEntry);
  let issuer: { cert: x509.X509Certificate; key: CryptoKey } | undefined;
  if (options.ca) {
    const cert = parseCertificate(options.ca.certPem, "ca-cert");
    const key = await importPrivateKey(options.ca.keyPem, "ca-key");
    if (!(await keyMatches(key, cert))) {
      throw new MemoryError("invalid_input", "Invalid input: ca-key: does not belong to ca-cert");
    }
    issuer = { cert, key };
  }
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]) as CryptoKeyPair;
  // Backdated a little so a peer whose clock is slightly behind accepts it at once.
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + days * DAY_MS);
  const serialNumber = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")
    .replace(/^[89a-f]/, "1"); // positive INTEGER
  const extensions = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    new x509.SubjectAlternativeNameExtension(names),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const name = `CN=${commonName}`;
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: name,
      issuer: issuer.cert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: issuer.key,
      extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.cert)],
    })
    : await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      keys,
      extensions,
    });
  return await identityOf(keys, cert);
}

/** A key pair and its certificate as PEM text, with the certificate's fingerprint. */
async function identityOf(keys: CryptoKeyPair, cert: x509.X509Certificate): Promise<NodeIdentity> {
  const keyPem = x509.PemConverter.encode(
    await crypto.subtle.exportKey("pkcs8", keys.privateKey),
    "PRIVATE KEY",
  );
  return {
    keyPem,
    certPem: cert.toString("pem") + "\n",
    fingerprint: derFingerprint(new Uint8Array(cert.rawData)),
  };
}

/**
 * A site CA for tests and small sites: a self-signed CA certificate (cA, keyCertSign) and its key.
 * @throws {MemoryError} invalid_input naming the bad field
 */
export async function createSiteCa(options: { commonName: string; days: number }): Promise<NodeIdentity> {
  checkNameAndDays(options.commonName, options.days);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${options.commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.days * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return await identityOf(keys, cert);
}

function readPem(path: string, field: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotCapable
      ? "this process's permission set does not allow reading it"
      : err instanceof Deno.errors.NotFound
      ? "no such file"
      : (err as Error).name;
    throw new MemoryError("invalid_input", `Invalid input: ${field}: cannot read "${path}" (${reason})`);
  }
}

/**
 * Load the node's key and certificate (and the site CA) named by the federation config, checking
 * that the key belongs to the certificate and the certificate is in its validity period.
 * @throws {MemoryError} invalid_input naming federation.cert, federation.key or federation.ca
 */
export async function loadNodeTls(
  paths: { cert: string; key: string; ca?: string | undefined },
  options: { now?: Date } = {},
): Promise<NodeTls> {
  return await nodeTlsFromPem({
    certPem: readPem(paths.cert, "federation.cert"),
    keyPem: readPem(paths.key, "federation.key"),
    ...(paths.ca ? { caPem: readPem(paths.ca, "federation.ca") } : {}),
  }, options);
}

/**
 * The transport's view of a key and certificate already in memory (see loadNodeTls).
 * @throws {MemoryError} invalid_input naming federation.cert, federation.key or federation.ca
 */
export async function nodeTlsFromPem(
  pems: { certPem: string; keyPem: string; caPem?: string },
  options: { now?: Date } = {},
): Promise<NodeTls> {
  const parsed = parseCertificate(pems.certPem, "federation.cert");
  const privateKey = await importPrivateKey(pems.keyPem, "federation.key");
  if (!(await keyMatches(privateKey, parsed))) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: federation.key: does not belong to federation.cert",
    );
  }
  const now = options.now ?? new Date();
  if (now < parsed.notBefore || now > parsed.notAfter) {
    throw new MemoryError(
      "invalid_input",
      `Invalid input: federation.cert: valid only from ${parsed.notBefore.toISOString()} to ` +
        `${parsed.notAfter.toISOString()}`,
    );
  }
  const tls: NodeTls = {
    key: pems.keyPem,
    cert: pems.certPem,
    fingerprint: derFingerprint(new Uint8Array(parsed.rawData)),
    privateKey,
  };
  if (pems.caPem !== undefined) {
    parseCertificate(pems.caPem, "federation.ca");
    tls.ca = [pems.caPem];
  }
  return tls;
}

/** The public key of a certificate's DER bytes, for verifying the requests its holder signs. */
export async function certPublicKey(der: Uint8Array): Promise<CryptoKey> {
  return await new x509.X509Certificate(new Uint8Array(der)).publicKey.export(ALGORITHM, ["verify"]);
}

/** Whether `fingerprint` (any spelling) names the same certificate as `expected` (normalised). */
export function sameFingerprint(fingerprint: string, expected: string): boolean {
  return normaliseFingerprint(fingerprint) === expected;
}

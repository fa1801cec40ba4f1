// A certificate authority made in the test: the webhook's serving certificates and the CA bundle
// the API server trusts, with WebCrypto (ECDSA P-256) through @peculiar/x509.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const day = 24 * 60 * 60 * 1000;

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface CertificatePair {
  cert: string;
  key: string;
}

/** A CA that issues serving certificates. */
export interface TestCertificateAuthority {
  /** The CA certificate (PEM): the webhook configuration's caBundle. */
  readonly cert: string;
  /** A server certificate for the given IP addresses and DNS names. */
  issue(options: {
    commonName: string;
    ipAddresses?: string[];
    dnsNames?: string[];
  }): Promise<CertificatePair>;
}

function serialNumber(): string {
  // Positive: the leading byte stays below 0x80.
  return `0${randomBytes(15).toString('hex')}`;
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PRIVATE KEY-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`;
}

/** Creates a self-signed CA valid for a day. */
export async function createTestCertificateAuthority(name: string): Promise<TestCertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + day);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${name}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return {
    cert: ca.toString('pem'),
    async issue({ commonName, ipAddresses = [], dnsNames = [] }) {
      const leafKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serialNumber(),
        subject: `CN=${commonName}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: algorithm,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
            ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ]),
        ],
      });
      return { cert: leaf.toString('pem'), key: await exportKey(leafKeys.privateKey) };
    },
  };
}

/**
 * Writes `tls.crt` and `tls.key` into a directory, each by an atomic rename, as a rotation
 * would replace them.
 */
export async function writeServingCertificate(dir: string, pair: CertificatePair): Promise<void> {
  for (const [name, content] of [
    ['tls.crt', pair.cert],
    ['tls.key', pair.key],
  ] as const) {
    const temporary = path.join(dir, `.${name}.tmp`);
    await writeFile(temporary, content, { mode: 0o600 });
    await rename(temporary, path.join(dir, name));
  }
}

/**
 * Makes C2PA-signed test images inside the test, with the library Atelier reads them with
 * (`@contentauth/c2pa-wasm`): a test CA and signer certificate (EC P-256 keys from node:crypto, X.509 certificates
 * from `openssl`), a manifest with a `c2pa.created` action, signed as a COSE_Sign1 (RFC 9052) over the claim.
 *
 * The WebAssembly builder hands the claim to a signer callback and embeds what it returns; it reads the source
 * through `FileReaderSync`, which only browser workers have, so a Blob that keeps its bytes and a
 * `FileReaderSync` that returns them stand in for it here (tests only; the app reads with `WasmReader.fromBytes`,
 * which needs neither).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as c2pa from '@contentauth/c2pa-wasm';

const run = promisify(execFile);

/** A test signing identity: the signer's key (PEM), its certificate chain (DER, signer first) and the CA's PEM. */
export interface TestSigner {
  keyPem: string;
  chainDer: Uint8Array[];
  /** The test CA's certificate, to hand to Atelier as a trust anchor. */
  caPem: string;
  /** The signer certificate's organisation (what Atelier shows as the issuer). */
  organisation: string;
}

/** True when `openssl` can be run (the certificate maker needs it). */
export async function hasOpenssl(): Promise<boolean> {
  return run('openssl', ['version']).then(
    () => true,
    () => false,
  );
}

/**
 * Makes a test CA and a signer certificate under it in `dir` (C2PA's certificate profile: the signer is not a CA,
 * has digitalSignature and the emailProtection EKU).
 */
export async function makeTestSigner(dir: string, organisation = 'Atelier Test Org'): Promise<TestSigner> {
  const pem = (kind: 'ca' | 'ee') => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { kind, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  };
  const ca = pem('ca');
  const ee = pem('ee');
  await writeFile(join(dir, 'ca.key'), ca.key, { mode: 0o600 });
  await writeFile(join(dir, 'ee.key'), ee.key, { mode: 0o600 });
  await writeFile(
    join(dir, 'ee.ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await run('openssl', ['req', '-x509', '-new', '-key', join(dir, 'ca.key'), '-sha256', '-days', '30', '-subj', '/CN=Atelier Test Root/O=Atelier Tests',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', join(dir, 'ca.pem')]);
  await run('openssl', ['req', '-new', '-key', join(dir, 'ee.key'), '-subj', `/CN=Atelier Test Signer/O=${organisation}`, '-out', join(dir, 'ee.csr')]);
  await run('openssl', ['x509', '-req', '-in', join(dir, 'ee.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial',
    '-days', '30', '-sha256', '-extfile', join(dir, 'ee.ext'), '-out', join(dir, 'ee.pem')]);
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const chainDer = [join(dir, 'ee.pem'), join(dir, 'ca.pem')].map((f) => new Uint8Array(new X509Certificate(readFileSync(f)).raw));
  return { keyPem: ee.key, chainDer, caPem, organisation };
}

// --- a minimal CBOR encoder (RFC 8949), enough for a COSE_Sign1 ------------------------------------------------

type Cbor = null | number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { tag: number; value: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

function cbor(v: Cbor): Buffer {
  if (v === null) return Buffer.from([0xf6]);
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  return Buffer.concat([head(6, v.tag), cbor(v.value)]);
}

/** COSE_Sign1 (tag 18) with a detached payload, ES256, x5chain in the protected header, padded to `reserve` bytes. */
function coseSign1(payload: Uint8Array, signer: TestSigner, reserve: number): Uint8Array {
  const chain: Cbor = signer.chainDer.length === 1 ? signer.chainDer[0]! : signer.chainDer;
  const protectedHeader = cbor(new Map<Cbor, Cbor>([[1, -7], [33, chain]]));
  const toBeSigned = cbor(['Signature1', protectedHeader, new Uint8Array(0), payload]);
  const signature = cryptoSign('sha256', toBeSigned, { key: signer.keyPem, dsaEncoding: 'ieee-p1363' });
  const build = (pad: number | null) =>
    cbor({ tag: 18, value: [protectedHeader, new Map<Cbor, Cbor>(pad === null ? [] : [['pad', new Uint8Array(pad)]]), null, signature] });
  let out = build(null);
  let pad = Math.max(0, reserve - out.length - 8);
  while (out.length < reserve) out = build(pad++);
  return out;
}

// --- the browser-only pieces the WebAssembly builder reads its source with ---------------------------------------

class BytesBlob extends Blob {
  constructor(readonly held: Uint8Array) {
    super([held as Uint8Array<ArrayBuffer>]);
  }
  override slice(start = 0, end = this.held.length): BytesBlob {
    return new BytesBlob(this.held.subarray(start, end));
  }
}

let ready = false;
function init(): void {
  if (ready) return;
  (globalThis as { FileReaderSync?: unknown }).FileReaderSync ??= class {
    readAsArrayBuffer(b: BytesBlob): ArrayBuffer {
      return b.held.slice().buffer;
    }
  };
  c2pa.initSync({ module: readFileSync(createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });
  ready = true;
}

/** What the test manifest says. */
export interface TestManifest {
  claimGenerator?: { name: string; version: string };
  title?: string;
  digitalSourceType?: string;
}

/**
 * Signs `source` (a whole PNG or JPEG file) with a C2PA manifest: a `c2pa.created` action with the digital source
 * type (default trainedAlgorithmicMedia), the given claim generator and title.
 * @returns the signed file's bytes
 */
export async function signImage(source: Uint8Array, mime: 'image/png' | 'image/jpeg', signer: TestSigner, m: TestManifest = {}): Promise<Buffer> {
  init();
  const builder = c2pa.WasmBuilder.fromJson(
    JSON.stringify({
      claim_generator_info: [m.claimGenerator ?? { name: 'Atelier Test Generator', version: '1.0' }],
      title: m.title ?? 'signed',
      assertions: [
        {
          label: 'c2pa.actions.v2',
          data: {
            actions: [{ action: 'c2pa.created', digitalSourceType: m.digitalSourceType ?? 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' }],
          },
        },
      ],
    }),
  );
  const reserve = 12_000;
  try {
    const out = await builder.sign(
      { alg: 'es256', reserveSize: reserve, sign: async (claim: Uint8Array<ArrayBuffer>) => coseSign1(claim, signer, reserve) as Uint8Array<ArrayBuffer> },
      [],
      mime,
      new BytesBlob(source),
    );
    return Buffer.from(out);
  } finally {
    builder.free();
  }
}

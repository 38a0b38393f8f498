import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** How long a token is valid: MSK's limit, and the signer library's. */
const TOKEN_TTL_SECONDS = 900;
const USER_AGENT = 'hedgerow';

/**
 * The SASL OAUTHBEARER token of MSK's IAM access control: a SigV4-presigned
 * `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect` (service
 * `kafka-cluster`), its URL base64url-encoded — what AWS's aws-msk-iam-sasl-signer-js builds
 * (test/adapters/kafka compares the two). Written here rather than taken from that library,
 * whose dependencies load packages a Lambda runtime may not have (a deprecated @aws-sdk/util-utf8-browser among them).
 */
export async function mskIamToken(region: string, credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity, signingDate = new Date()): Promise<string> {
  const identity = typeof credentials === 'function' ? await credentials() : credentials;
  const hostname = `kafka.${region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'kafka-cluster', region, credentials: identity, sha256: NodeSha256, applyChecksum: false });
  const ttl = identity.expiration ? Math.min(TOKEN_TTL_SECONDS, Math.floor((identity.expiration.getTime() - signingDate.getTime()) / 1000)) : TOKEN_TTL_SECONDS;
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', headers: { host: hostname }, query: { Action: 'kafka-cluster:Connect' } },
    { expiresIn: ttl, signingDate },
  );
  const query = { ...signed.query, 'User-Agent': USER_AGENT };
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return Buffer.from(`https://${hostname}/?${search}`, 'utf8').toString('base64url');
}

/** SHA-256 and HMAC-SHA-256 for the signer, from node:crypto. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

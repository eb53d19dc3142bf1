// The Node side of the jose cross-implementation test (panva/jose).
//   node compat.mjs sign DIR    generate ES256, EdDSA and RS256 keys, sign one token each, write
//                               DIR/node-jwks.json and DIR/node-tokens.json for Parley to verify
//   node compat.mjs verify DIR  verify DIR/parley-tokens.json with DIR/parley-jwks.json exactly as a
//                               strict relying party would (algorithms, issuer, audience, typ)
import { readFile, writeFile } from 'node:fs/promises';
import * as jose from 'jose';

const ISSUER = 'https://parley.test';
const AUDIENCE = 'https://parley.test/directline';
const TYP = 'dl+jwt';
const ALGS = ['ES256', 'EdDSA', 'RS256'];

async function sign(dir) {
  const keys = [];
  const tokens = {};
  for (const alg of ALGS) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    const jwk = await jose.exportJWK(publicKey);
    jwk.kid = await jose.calculateJwkThumbprint(jwk);
    jwk.alg = alg;
    jwk.use = 'sig';
    keys.push(jwk);
    tokens[alg] = await new jose.SignJWT({ conv: `conv-${alg}`, user: 'dl_user' })
      .setProtectedHeader({ alg, kid: jwk.kid, typ: TYP })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('10m')
      .sign(privateKey);
  }
  await writeFile(`${dir}/node-jwks.json`, JSON.stringify({ keys }));
  await writeFile(`${dir}/node-tokens.json`, JSON.stringify(tokens));
  console.log(`node: signed ${Object.keys(tokens).length} tokens`);
}

async function verify(dir) {
  const jwks = jose.createLocalJWKSet(JSON.parse(await readFile(`${dir}/parley-jwks.json`, 'utf8')));
  const tokens = JSON.parse(await readFile(`${dir}/parley-tokens.json`, 'utf8'));
  let failures = 0;
  for (const alg of ALGS) {
    const token = tokens[alg];
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
        algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, typ: TYP, requiredClaims: ['exp', 'iat', 'nbf'],
      });
      if (payload.conv !== `conv-${alg}` || protectedHeader.alg !== alg) throw new Error('unexpected claims');
      console.log(`node: verified Parley ${alg} token (kid ${protectedHeader.kid})`);
    } catch (e) {
      failures++;
      console.error(`node: Parley ${alg} token refused: ${e.code ?? ''} ${e.message}`);
    }
    // The same token with one signature character changed must be refused.
    const i = token.length - 10;
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    try {
      await jose.jwtVerify(tampered, jwks, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE });
      failures++;
      console.error(`node: tampered Parley ${alg} token was accepted`);
    } catch {
      // expected
    }
  }
  if (failures) process.exit(1);
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'sign') await sign(dir);
else if (mode === 'verify') await verify(dir);
else {
  console.error('usage: node compat.mjs sign|verify DIR');
  process.exit(2);
}

'use strict';

// Drives a freshly started, uninitialized Vault double through node-vault and hashi-vault-js
// (third-party npm clients, pinned in package.json) the way the lab uses Vault, and prints one JSON
// line per check:
//   {"check":"kv2.metadata","ok":true,"detail":""}
// The checks run in the order of checks.json (they build on each other: init before unseal, ...).
// The input file (argv[2]) names the double's address and the stand-ins (PostgreSQL, the JWT
// issuer's key and tokens, the TokenReview server). Tokens, keys and passwords never reach stdout.

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const nodeVault = require('node-vault');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, 'checks.json'), 'utf8'));
const app = input.app;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64').toString('utf8');

let HashiVault; // hashi-vault-js is an ES module: imported before the checks run
const hvj = () => new HashiVault({ https: false, baseUrl: `${input.addr}/v1`, timeout: 20000 });
const client = (token) => nodeVault({ apiVersion: 'v1', endpoint: input.addr, token, requestOptions: { timeout: 20000 } });
const vault = client(undefined);
const state = {};

// node-vault adopts the client_token of every token-minting call (tokenCreate, tokenRenew, logins):
// the admin client goes back to the root token afterwards.
async function keepRoot(promise) {
  try {
    return await promise;
  } finally {
    vault.token = state.root;
  }
}

// The status and Vault's first error of a rejected call (node-vault's ApiResponseError).
async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    // node-vault: response.statusCode/body; hashi-vault-js (axios): response.status/data
    const r = e.response;
    return { status: r ? r.statusCode ?? r.status : undefined, message: e.message, body: r ? r.body ?? r.data : undefined };
  }
  throw new assert.AssertionError({ message: 'the call succeeded, an error answer was expected' });
}

// A fresh kv v2 mount upgrades in the background and answers 400 "Upgrading from non-versioned
// to versioned data..." meanwhile (vault-plugin-secrets-kv upgrade.go), on Vault as on the double:
// poll its config, retrying exactly that answer, before the first write.
const KV_UPGRADING = 'Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly.';
async function kvReady(mount) {
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      return await vault.read(`${mount}/config`);
    } catch (e) {
      const upgrading = e.response && e.response.statusCode === 400 && e.message === KV_UPGRADING;
      if (!upgrading || Date.now() > deadline) {
        throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const checks = {
  'sys.seal-status.uninitialized': async () => {
    const s = await vault.status();
    assert.equal(s.initialized, false);
    assert.equal(s.sealed, true);
    assert.equal((await vault.initialized()).initialized, false);
  },
  'sys.init': async () => {
    const r = await vault.init({ secret_shares: 3, secret_threshold: 2 });
    assert.equal(r.keys.length, 3);
    assert.equal(r.keys_base64.length, 3);
    assert.match(r.root_token, /^hvs\./);
    state.keys = r.keys;
    state.root = r.root_token;
    vault.token = r.root_token;
    assert.equal((await vault.initialized()).initialized, true);
  },
  'sys.unseal.progress': async () => {
    const s = await vault.unseal({ key: state.keys[0] });
    assert.equal(s.sealed, true);
    assert.equal(s.progress, 1);
    assert.equal(s.t, 2);
  },
  'sys.unseal.short-key-is-400': async () => {
    const f = await failure(vault.unseal({ key: 'AAAAAAAAAAA=' }));
    assert.equal(f.status, 400);
    assert.equal(f.message, 'invalid key: key is shorter than minimum 16 bytes');
    assert.equal((await vault.status()).progress, 1, 'a rejected key keeps the progress');
  },
  'sys.unseal.complete': async () => {
    const s = await vault.unseal({ key: state.keys[1] });
    assert.equal(s.sealed, false);
    assert.equal(s.progress, 0);
  },
  'sys.unseal.short-key-is-400-when-unsealed': async () => {
    const f = await failure(vault.unseal({ key: 'AAAAAAAAAAA=' }));
    assert.equal(f.status, 400);
    assert.equal(f.message, 'invalid key: key is shorter than minimum 16 bytes');
  },
  'sys.health': async () => {
    const h = await vault.health();
    assert.equal(h.initialized, true);
    assert.equal(h.sealed, false);
    assert.equal(h.standby, false);
  },
  'kv1.write-read-list-delete': async () => {
    await vault.mount({ mount_point: 'kv', type: 'kv', description: 'KV v1' });
    await vault.write(`kv/${app}/config`, { username: app, port: '5432' });
    const r = await vault.read(`kv/${app}/config`);
    assert.deepEqual(r.data, { username: app, port: '5432' });
    const l = await vault.list(`kv/${app}`);
    assert.deepEqual(l.data.keys, ['config']);
    await vault.delete(`kv/${app}/config`);
    assert.equal((await failure(vault.read(`kv/${app}/config`))).status, 404);
  },
  'kv2.write-read': async () => {
    await vault.mount({ mount_point: 'kvv2', type: 'kv', options: { version: '2' } });
    await kvReady('kvv2');
    const w1 = await vault.write(`kvv2/data/${app}/config`, { data: { password: 'first' } });
    assert.equal(w1.data.version, 1);
    const w2 = await vault.write(`kvv2/data/${app}/config`, { data: { password: 'second' }, options: { cas: 1 } });
    assert.equal(w2.data.version, 2);
    const r = await vault.read(`kvv2/data/${app}/config`);
    assert.equal(r.data.data.password, 'second');
    assert.equal(r.data.metadata.version, 2);
    const cas = await failure(vault.write(`kvv2/data/${app}/config`, { data: { password: 'x' }, options: { cas: 1 } }));
    assert.equal(cas.status, 400);
  },
  'kv2.metadata': async () => {
    const m = await vault.read(`kvv2/metadata/${app}/config`);
    assert.equal(m.data.current_version, 2);
    assert.deepEqual(Object.keys(m.data.versions).sort(), ['1', '2']);
    const l = await vault.list(`kvv2/metadata/${app}`);
    assert.deepEqual(l.data.keys, ['config']);
  },
  'kv2.delete-undelete': async () => {
    await vault.delete(`kvv2/data/${app}/config`);
    const gone = await failure(vault.read(`kvv2/data/${app}/config`));
    assert.equal(gone.status, 404);
    assert.notEqual(gone.body.data.metadata.deletion_time, '', 'a soft-deleted version answers 404 with its metadata');
    await vault.write(`kvv2/undelete/${app}/config`, { versions: [2] });
    assert.equal((await vault.read(`kvv2/data/${app}/config`)).data.data.password, 'second');
  },
  'kv2.destroy': async () => {
    await vault.destroySecretVersions({ mount_point: 'kvv2', path: `${app}/config`, versions: [1] });
    const m = await vault.read(`kvv2/metadata/${app}/config`);
    assert.equal(m.data.versions['1'].destroyed, true);
    assert.equal(m.data.versions['2'].destroyed, false);
    const v1 = await failure(vault.read(`kvv2/data/${app}/config?version=1`));
    assert.equal(v1.status, 404);
  },
  'transit.create-key': async () => {
    await vault.mount({ mount_point: 'transit', type: 'transit' });
    await vault.transitCreateKey({ name: app, type: 'aes256-gcm96' });
    const k = await vault.transitReadKey({ name: app });
    assert.equal(k.data.latest_version, 1);
    assert.equal(k.data.type, 'aes256-gcm96');
    assert.deepEqual((await vault.transitListKeys()).data.keys, [app]);
  },
  'transit.encrypt-decrypt': async () => {
    const e = await vault.encryptData({ name: app, plaintext: b64('card 4111') });
    assert.match(e.data.ciphertext, /^vault:v1:/);
    state.v1 = e.data.ciphertext;
    const d = await vault.decryptData({ name: app, ciphertext: e.data.ciphertext });
    assert.equal(unb64(d.data.plaintext), 'card 4111');
  },
  'transit.rotate': async () => {
    await vault.write(`transit/keys/${app}/rotate`, {});
    assert.equal((await vault.transitReadKey({ name: app })).data.latest_version, 2);
  },
  'transit.rewrap': async () => {
    const r = await vault.rewrapData({ name: app, ciphertext: state.v1 });
    assert.match(r.data.ciphertext, /^vault:v2:/);
    assert.equal(r.data.key_version, 2);
    const d = await vault.decryptData({ name: app, ciphertext: r.data.ciphertext });
    assert.equal(unb64(d.data.plaintext), 'card 4111');
  },
  'policies.write-read-list-delete': async () => {
    const rules = [
      `path "kvv2/data/${app}/*" { capabilities = ["read"] }`,
      `path "kv/${app}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`,
      `path "transit/encrypt/${app}" { capabilities = ["update"] }`,
      `path "postgres/creds/${app}" { capabilities = ["read"] }`,
    ].join('\n');
    await vault.addPolicy({ name: app, rules });
    const p = await vault.getPolicy({ name: app });
    assert.equal(p.rules, rules);
    await vault.addPolicy({ name: `${app}-ops`, rules: `path "kvv2/data/${app}/*" { capabilities = ["create", "update", "read"] }` });
    await vault.addPolicy({ name: 'scratch', rules: 'path "sys/health" { capabilities = ["read"] }' });
    assert.ok((await vault.policies()).policies.includes('scratch'));
    await vault.removePolicy({ name: 'scratch' });
    assert.ok(!(await vault.policies()).policies.includes('scratch'));
  },
  'tokens.create-lookup': async () => {
    const t = await keepRoot(vault.tokenCreate({ policies: [app], ttl: '1h', display_name: app }));
    assert.match(t.auth.client_token, /^hvs\./);
    assert.deepEqual([...t.auth.policies].sort(), ['default', app].sort());
    state.appToken = t.auth.client_token;
    state.appAccessor = t.auth.accessor;
    const l = await vault.tokenLookup({ token: t.auth.client_token });
    assert.equal(l.data.display_name, `token-${app}`);
    assert.equal(l.data.accessor, t.auth.accessor);
  },
  'tokens.renew': async () => {
    const r = await keepRoot(vault.tokenRenew({ token: state.appToken, increment: 7200 }));
    assert.equal(r.auth.lease_duration, 7200);
    assert.equal(r.auth.accessor, state.appAccessor);
  },
  'tokens.renew-self': async () => {
    const r = await client(state.appToken).tokenRenewSelf({ increment: 3600 });
    assert.equal(r.auth.lease_duration, 3600);
    const self = await client(state.appToken).tokenLookupSelf();
    assert.ok(self.data.ttl <= 3600 && self.data.ttl >= 3590);
  },
  'tokens.accessors': async () => {
    const l = await vault.tokenAccessors();
    assert.ok(l.data.keys.includes(state.appAccessor));
    const a = await vault.tokenLookupAccessor({ accessor: state.appAccessor });
    assert.equal(a.data.id, '');
    assert.deepEqual([...a.data.policies].sort(), ['default', app].sort());
    const denied = await failure(client(state.appToken).tokenAccessors());
    assert.equal(denied.status, 403, 'listing accessors needs sudo');
  },
  'tokens.revoke-accessor': async () => {
    const t = await keepRoot(vault.tokenCreate({ policies: [app], ttl: '1h' }));
    await vault.tokenRevokeAccessor({ accessor: t.auth.accessor });
    const f = await failure(vault.tokenLookupAccessor({ accessor: t.auth.accessor }));
    assert.equal(f.status, 400);
    assert.match(f.message, /invalid accessor/);
  },
  'tokens.revoke': async () => {
    const t = await keepRoot(vault.tokenCreate({ policies: [app], ttl: '1h' }));
    await vault.tokenRevoke({ token: t.auth.client_token });
    const f = await failure(vault.tokenLookup({ token: t.auth.client_token }));
    assert.equal(f.status, 403);
    assert.equal(f.message, 'bad token');
  },
  'auth.kubernetes.role-login': async () => {
    await vault.enableAuth({ mount_point: 'kubernetes', type: 'kubernetes' });
    // outside a pod there is no local CA to fall back on: the config names one (the TokenReview
    // stand-in speaks plain HTTP on loopback, so its content is not used)
    await vault.write('auth/kubernetes/config', {
      kubernetes_host: input.kubernetes.host,
      kubernetes_ca_cert: input.kubernetes.caCert,
      token_reviewer_jwt: 'reviewer-jwt',
    });
    // node-vault 0.12.0's addKubernetesRole throws a TypeError before sending (its request schema
    // has no properties), so the role is written through the generic write
    await vault.write(`auth/kubernetes/role/${app}`, {
      bound_service_account_names: app,
      bound_service_account_namespaces: app,
      token_policies: app,
      token_ttl: '1h',
    });
    // its path template reads kubernetesPath from the call's arguments, not from the client: name the mount
    const role = await vault.getKubernetesRole({ mount_point: 'kubernetes', role_name: app });
    assert.deepEqual(role.data.bound_service_account_names, [app]);
    const login = await keepRoot(vault.kubernetesLogin({ mount_point: 'kubernetes', role: app, jwt: input.kubernetes.saJwt }));
    assert.deepEqual([...login.auth.policies].sort(), ['default', app].sort());
    assert.equal(login.auth.metadata.service_account_namespace, app);
    assert.equal(login.auth.lease_duration, 3600);
    state.k8sToken = login.auth.client_token;
  },
  'auth.jwt.role-login': async () => {
    await vault.enableAuth({ mount_point: 'jwt', type: 'jwt' });
    await vault.write('auth/jwt/config', { jwt_validation_pubkeys: [input.jwt.publicKeyPem], bound_issuer: input.jwt.issuer });
    await vault.write(`auth/jwt/role/gitea_cicd_${app}`, {
      role_type: 'jwt',
      user_claim: 'actor',
      bound_audiences: input.jwt.audience,
      bound_claims: { repository: input.jwt.repository },
      token_policies: `${app}-ops`,
      token_ttl: '20m',
    });
    const login = await keepRoot(vault.jwtLogin({ role: `gitea_cicd_${app}`, jwt: input.jwt.token }));
    assert.deepEqual([...login.auth.policies].sort(), ['default', `${app}-ops`].sort());
    assert.equal(login.auth.lease_duration, 1200);
    const ops = client(login.auth.client_token);
    await ops.write(`kvv2/data/${app}/config`, { data: { password: 'from-ci' } });
    const denied = await failure(keepRoot(vault.jwtLogin({ role: `gitea_cicd_${app}`, jwt: input.jwt.wrongRepositoryToken })));
    assert.equal(denied.status, 400);
    assert.match(denied.message, /bound claim/);
  },
  'database.config-role': async () => {
    await vault.mount({ mount_point: 'postgres', type: 'database' });
    const pg = input.postgres;
    await vault.write('postgres/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${pg.host}:${pg.port}/postgres?sslmode=disable`,
      username: pg.username,
      password: pg.password,
      allowed_roles: app,
    });
    await vault.write(`postgres/roles/${app}`, {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
      default_ttl: '1h',
      max_ttl: '24h',
    });
    const role = await vault.read(`postgres/roles/${app}`);
    assert.equal(role.data.default_ttl, 3600);
    assert.equal(role.data.max_ttl, 86400);
  },
  'database.creds': async () => {
    const creds = await client(state.appToken).generateDatabaseCredentials({ databasePath: 'postgres', name: app });
    assert.match(creds.lease_id, new RegExp(`^postgres/creds/${app}/`));
    assert.equal(creds.lease_duration, 3600);
    assert.equal(creds.renewable, true);
    assert.match(creds.data.username, /^v-/);
    assert.ok(creds.data.password.length >= 20);
    state.leaseId = creds.lease_id;
  },
  'leases.lookup': async () => {
    const l = await vault.write('sys/leases/lookup', { lease_id: state.leaseId });
    assert.equal(l.data.id, state.leaseId);
    assert.ok(l.data.ttl > 3500 && l.data.ttl <= 3600);
    assert.equal(l.data.renewable, true);
  },
  'leases.renew': async () => {
    const r = await vault.renew({ lease_id: state.leaseId, increment: 7200 });
    assert.equal(r.lease_id, state.leaseId);
    assert.equal(r.lease_duration, 7200, 'the granted TTL, as Vault answers');
  },
  'leases.revoke': async () => {
    await vault.revoke({ lease_id: state.leaseId });
    const f = await failure(vault.write('sys/leases/lookup', { lease_id: state.leaseId }));
    assert.equal(f.status, 400);
    assert.equal(f.message, 'invalid lease');
  },
  'errors.403-permission-denied': async () => {
    const f = await failure(client(state.appToken).read('kvv2/data/other/config'));
    assert.equal(f.status, 403);
    assert.match(f.message, /permission denied/);
    const none = await failure(client('hvs.AAAAAAAAAAAAAAAAAAAAAAAA').read(`kvv2/data/${app}/config`));
    assert.equal(none.status, 403);
  },
  'errors.404-not-found': async () => {
    const f = await failure(vault.read(`kvv2/data/${app}/missing`));
    assert.equal(f.status, 404);
    assert.deepEqual(f.body.errors, []);
  },
  'errors.400-bad-request': async () => {
    const f = await failure(vault.write(`transit/encrypt/${app}`, {}));
    assert.equal(f.status, 400);
    assert.equal(f.message, 'missing plaintext to encrypt');
  },
  'sys.host-info': async () => {
    const h = await vault.read('sys/host-info');
    assert.ok(h.data.host.hostname.length > 0);
    assert.ok(h.data.memory.total > 0);
    assert.ok(Array.isArray(h.data.cpu) && h.data.cpu.length > 0);
  },
  'sys.internal-counters-tokens': async () => {
    const c = await vault.read('sys/internal/counters/tokens');
    assert.ok(c.data.counters.service_tokens.total >= 2, 'the root token and the app token at least');
  },
  'sys.metrics': async () => {
    const m = await vault.read('sys/metrics');
    assert.ok(Array.isArray(m.Gauges));
    assert.match(m.Timestamp, /\+0000 UTC$/);
    const prom = await failure(vault.read('sys/metrics?format=prometheus'));
    assert.equal(prom.status, 400);
  },
  // hashi-vault-js (a second, independent npm client): the endpoints it calls that the double once
  // answered 404, and KV v2 through its own helpers
  'hvj.sys.health-seal-status': async () => {
    const h = await hvj().healthCheck();
    assert.equal(h.sealed, false);
    const s = await hvj().sealStatus();
    assert.equal(s.initialized, true);
    assert.equal(s.t, 2);
  },
  'hvj.sys.host-info-counters-metrics': async () => {
    const h = await hvj().sysHostInfo(state.root);
    assert.ok(h.host.hostname.length > 0);
    const c = await hvj().sysInternalCounters(state.root, 'tokens');
    assert.ok(c.counters.service_tokens.total >= 2);
    const m = await hvj().sysMetrics(state.root);
    assert.ok(Array.isArray(m.Gauges));
  },
  'hvj.tokens.create-lookup-renew': async () => {
    const t = await hvj().createToken(state.root, { policies: [app], ttl: '30m' });
    assert.match(t.client_token, /^hvs\./);
    state.hvjToken = t.client_token;
    state.hvjAccessor = t.accessor;
    const l = await hvj().lookupToken(state.root, t.client_token);
    assert.equal(l.accessor, t.accessor);
    const r = await hvj().renewToken(state.root, t.client_token, 7200);
    assert.equal(r.lease_duration, 7200);
  },
  'hvj.tokens.accessors': async () => {
    const l = await hvj().listAccessors(state.root);
    assert.ok(l.keys.includes(state.hvjAccessor));
    const a = await hvj().lookupAccessor(state.root, state.hvjAccessor);
    assert.equal(a.id, '');
    const r = await hvj().renewAccessor(state.root, state.hvjAccessor);
    assert.equal(r.client_token, '');
    assert.equal(r.accessor, state.hvjAccessor);
    await hvj().revokeAccessor(state.root, state.hvjAccessor);
    const gone = await failure(hvj().lookupToken(state.root, state.hvjToken));
    assert.equal(gone.status, 403);
  },
  'hvj.kv2.lifecycle': async () => {
    const name = `${app}/hvj`;
    const w = await hvj().createKVSecret(state.root, name, { api_key: 'one' }, 'kvv2');
    assert.equal(w.version, 1);
    await hvj().updateKVSecret(state.root, name, { api_key: 'two' }, 1, 'kvv2');
    assert.equal((await hvj().readKVSecret(state.root, name, undefined, 'kvv2')).data.api_key, 'two');
    assert.equal((await hvj().readKVSecretMeta(state.root, name, 'kvv2')).current_version, 2);
    await hvj().deleteLatestVerKVSecret(state.root, name, 'kvv2');
    assert.equal((await failure(hvj().readKVSecret(state.root, name, undefined, 'kvv2'))).status, 404);
    await hvj().undeleteVersionsKVSecret(state.root, name, [2], 'kvv2');
    await hvj().destroyVersionsKVSecret(state.root, name, [1], 'kvv2');
    const meta = await hvj().readKVSecretMeta(state.root, name, 'kvv2');
    assert.equal(meta.versions['1'].destroyed, true);
    assert.ok((await hvj().listKVSecrets(state.root, app, 'kvv2')).keys.includes('hvj'));
  },
  'sys.seal': async () => {
    await vault.seal();
    const s = await vault.status();
    assert.equal(s.sealed, true);
    assert.equal(s.progress, 0);
  },
  'errors.503-sealed': async () => {
    const f = await failure(vault.read(`kvv2/data/${app}/config`));
    assert.equal(f.status, 503);
    assert.equal(f.message, 'Vault is sealed');
  },
  'sys.unseal-after-seal-keeps-data': async () => {
    await vault.unseal({ key: state.keys[2] });
    const s = await vault.unseal({ key: state.keys[0] });
    assert.equal(s.sealed, false);
    assert.equal((await vault.read(`kvv2/data/${app}/config`)).data.data.password, 'from-ci');
  },
};

function report(check, ok, detail) {
  process.stdout.write(JSON.stringify({ check, ok, detail }) + '\n');
}

(async () => {
  HashiVault = (await import('hashi-vault-js')).default;
  for (const name of manifest) {
    const fn = checks[name];
    if (!fn) {
      report(name, false, 'listed in checks.json but compat.js has no such check');
      continue;
    }

    try {
      await fn();
      report(name, true, '');
    } catch (e) {
      const status = e.response ? ` (HTTP ${e.response.statusCode ?? e.response.status})` : '';
      report(name, false, `${e.message}${status}`);
    }
  }

  for (const name of Object.keys(checks).filter((n) => !manifest.includes(n))) {
    report(name, false, 'compat.js has this check but checks.json does not list it');
  }
})();

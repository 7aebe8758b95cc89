// Demo data hook (seed-part1 §3 S1): DemoCompany gets terminals alice/alice and bob/bob, extensions 101 → Alice and
// 102 → Bob, users with those terminals and screen extensions and portal password `changeme`.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { forEachBackend } from '../support/stores.ts';
import { cheapHash } from '../support/api.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import { demoVpbxExtension } from '../../src/store/demo-vpbx.ts';
import { decryptSipSecret, deriveSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { Directory } from '../../src/store/directory/index.ts';
import { verifyUserLogin } from '../../src/api/resources/users-login.ts';

forEachBackend('vPBX demo data', (b) => {
  it('adds Alice 101 and Bob 102 to DemoCompany, reachable through the directory', async () => {
    const encryptionKey = randomBytes(32).toString('base64');
    const r = await loadDemoData(b.store.db, { publicUrl: 'http://127.0.0.1:8080' }, {
      ...apiCreateRules,
      hashPassword: cheapHash,
      extend: demoVpbxExtension({ encryptionKey, hashPassword: cheapHash }),
    });
    assert.ok(r.ok && r.created, JSON.stringify(r));
    const domain = r.sipDomain;
    const dir = await Directory.open(b.store.db, { pollIntervalMs: 0 });
    try {
      for (const [name, ext] of [['alice', '101'], ['bob', '102']] as const) {
        const t = dir.terminal(domain, name);
        assert.ok(t, `${name} in the directory`);
        assert.equal(t.ha1Md5, createHash('md5').update(`${name}:${domain}:${name}`).digest('hex'));
        assert.equal(t.client.id, r.ids.clientId);
        assert.equal(t.user?.screenExtension, ext);
        assert.deepEqual(dir.extension(r.ids.clientId, ext)?.target, { type: 'user', id: t.user?.id });
        const row = await b.store.db.selectFrom('terminals').select('passwordEnc').where('id', '=', t.id).executeTakeFirstOrThrow();
        assert.deepEqual(decryptSipSecret(deriveSipSecretKey(encryptionKey), row.passwordEnc), { ok: true, plaintext: name });
      }
      assert.equal(dir.terminal(domain, 'alice')?.user?.displayName, 'Alice');
      const login = await verifyUserLogin(b.store.db, 'alice@demo.example', 'changeme');
      assert.ok(login.ok);
      assert.equal(login.caller.clientId, r.ids.clientId);
      assert.equal((await verifyUserLogin(b.store.db, 'bob@demo.example', 'changeme')).ok, true);
    } finally {
      await dir.close();
    }
  });
});

import { passwordWeakness } from '../../api/passwords';
import { COMMON_PASSWORDS } from '../../config/common-passwords';
import { loadConfig } from '../../config/config';

describe('the common-password list (config/common-passwords.ts)', () => {
  it('holds a few hundred of the most used passwords, Chinese usage included, folded to lower case', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(300);
    for (const common of [
      '123456',
      'a123456',
      'woaini1314',
      'qq123456',
      '5201314',
      'password',
      'qwerty123',
    ]) {
      expect(COMMON_PASSWORDS.has(common)).toBe(true);
    }
    for (const entry of COMMON_PASSWORDS) expect(entry).toBe(entry.trim().toLowerCase());
  });
});

describe('a new password (POST /v1/auth/password)', () => {
  it.each([
    ['shorter than 12 characters', 'Tr0ub4dor&3', 'worker.canglang'],
    [
      '12 characters counted as characters, not bytes: 11 Chinese ones',
      '我的密码是很长的密码吗',
      'worker.canglang',
    ],
    ['the username', 'Worker.Canglang', 'worker.canglang'],
    ['a common password of 12 or more', 'Woaini1314520', 'worker.canglang'],
    ['a common password with spaces around it', '  1qaz2wsx3edc  ', 'worker.canglang'],
  ])('is refused when it is %s', (_what, next, username) => {
    expect(passwordWeakness(next, username)).toEqual(expect.any(String));
  });

  it('is accepted when long, not the username and not common, in any script', () => {
    expect(passwordWeakness('correct horse battery staple', 'worker.canglang')).toBeNull();
    expect(passwordWeakness('姑苏区沧浪街道社工站的新密码', 'worker.canglang')).toBeNull();
  });
});

describe('TRUST_PROXY: whose X-Forwarded-For names the client', () => {
  it('trusts no proxy when unset, so the header is ignored', () => {
    expect(loadConfig('embedded', {}).trustProxy).toBeUndefined();
    expect(loadConfig('embedded', { TRUST_PROXY: '' }).trustProxy).toBeUndefined();
  });

  it('reads a hop count, or addresses and CIDRs of the proxies', () => {
    expect(loadConfig('embedded', { TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(
      loadConfig('embedded', { TRUST_PROXY: '10.0.0.5, 172.18.0.0/16,::1,fd00::/8' }).trustProxy,
    ).toEqual(['10.0.0.5', '172.18.0.0/16', '::1', 'fd00::/8']);
    expect(loadConfig('embedded', { TRUST_PROXY: 'loopback,uniquelocal' }).trustProxy).toEqual([
      'loopback',
      'uniquelocal',
    ]);
  });

  it.each(['true', 'caddy', '10.0.0.0/33', '10.0.0.300', '::1/129', ','])(
    'refuses %j, naming the key and what it must be',
    (value) => {
      expect(() => loadConfig('embedded', { TRUST_PROXY: value })).toThrow(
        /TRUST_PROXY: must be a hop count \(e\.g\. 1\) or addresses\/CIDRs of the proxies/,
      );
    },
  );
});

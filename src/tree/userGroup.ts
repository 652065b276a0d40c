// Names of users and groups, so that a snapshot says "alice" and not only 1000, and a restore on
// another machine can give files to the local "alice" whatever her uid there. Read from /etc/passwd and
// /etc/group once, on first use (users from LDAP/NSS-only sources are not seen: numeric ids remain).

import fs from 'node:fs';

interface Maps {
  byId: Map<number, string>;
  byName: Map<string, number>;
}

/** Parses "name:password:id:..." lines; the first line for an id or a name wins, as with getpwuid. */
function parseIdFile(path: string): Maps {
  const maps: Maps = { byId: new Map(), byName: new Map() };
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return maps; // no such file (a minimal container): ids stay numeric
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || !/^\d+$/.test(fields[2])) continue;
    const id = Number(fields[2]);
    if (!maps.byId.has(id)) maps.byId.set(id, fields[0]);
    if (!maps.byName.has(fields[0])) maps.byName.set(fields[0], id);
  }
  return maps;
}

export class UserGroupNames {
  private users: Maps | undefined;
  private groups: Maps | undefined;

  constructor(private readonly files: { passwd?: string; group?: string } = {}) {}

  private get u(): Maps {
    return (this.users ??= parseIdFile(this.files.passwd ?? '/etc/passwd'));
  }

  private get g(): Maps {
    return (this.groups ??= parseIdFile(this.files.group ?? '/etc/group'));
  }

  userName(uid: number): string | undefined {
    return this.u.byId.get(uid);
  }

  groupName(gid: number): string | undefined {
    return this.g.byId.get(gid);
  }

  /** The local uid of a user name (restore). */
  uidOf(user: string): number | undefined {
    return this.u.byName.get(user);
  }

  /** The local gid of a group name (restore). */
  gidOf(group: string): number | undefined {
    return this.g.byName.get(group);
  }
}

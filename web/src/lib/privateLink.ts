// A customer's private link is `/t/HD-1001#<token>`: the token sits in the fragment, which
// browsers never send to the server, and is kept in sessionStorage so reloads keep working.

const key = (reference: string) => `hd.link.${reference.toUpperCase()}`;

export function privateLinkPath(reference: string, token: string): string {
  return `/t/${encodeURIComponent(reference)}#${encodeURIComponent(token)}`;
}

export function privateLinkUrl(reference: string, token: string): string {
  return `${window.location.origin}${privateLinkPath(reference, token)}`;
}

export function rememberToken(reference: string, token: string) {
  try {
    sessionStorage.setItem(key(reference), token);
  } catch {
    // No storage: the fragment still carries it.
  }
}

/** The token from the URL fragment, else the one remembered for this reference. */
export function readToken(reference: string, hash: string): string | null {
  const fromHash = decodeURIComponent(hash.replace(/^#/, "")).trim();
  if (fromHash) {
    rememberToken(reference, fromHash);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(key(reference));
  } catch {
    return null;
  }
}

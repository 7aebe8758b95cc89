// Extension numbers (seed-part2 §1.4, scenario S3): digits only, at least 2 of them. The upper bound (20) is ours:
// long enough for any internal numbering plan, short enough to never look like an E.164 number with a '+'.

export const EXTENSION_MIN_LENGTH = 2;
export const EXTENSION_MAX_LENGTH = 20;

export type ExtensionNumberCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'EXTENSION_NOT_NUMERIC' | 'EXTENSION_TOO_SHORT' | 'EXTENSION_TOO_LONG'; readonly message: string };

export function checkExtensionNumber(n: string): ExtensionNumberCheck {
  if (!/^[0-9]*$/.test(n)) return { ok: false, code: 'EXTENSION_NOT_NUMERIC', message: `extension ${JSON.stringify(n)} must contain digits only` };
  if (n.length < EXTENSION_MIN_LENGTH) {
    return { ok: false, code: 'EXTENSION_TOO_SHORT', message: `extension numbers have at least ${EXTENSION_MIN_LENGTH} digits` };
  }
  if (n.length > EXTENSION_MAX_LENGTH) {
    return { ok: false, code: 'EXTENSION_TOO_LONG', message: `extension numbers have at most ${EXTENSION_MAX_LENGTH} digits` };
  }
  return { ok: true };
}

// Strings that outlive the message they came from.
//
// V8 keeps a substring of 13 characters or more as a slice of its parent and a concatenation as a tree of its
// parts. A transaction's branch is a slice of the whole message text, and its key a concatenation of that slice:
// kept for a wait timer (64*T1 = 32 s after a final response), each one kept its message's full text alive, and
// at a few hundred calls per second that was tens of thousands of message texts for the GC to keep walking
// past. `ownString` returns the same characters in a string of their own.
const MIN_SHARED = 13; // V8's SlicedString::kMinLength and ConsString::kMinLength: shorter results are copies

export function ownString(s: string): string {
  if (s.length < MIN_SHARED) return s;
  // Slicing a concatenation flattens it into a new string first; the slice then refers to that copy only.
  return (s + ' ').slice(0, -1);
}

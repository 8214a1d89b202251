// The runtime's abort (a failed assertion, an index out of range): the
// default one imports env.abort, which no Extism host provides, so a
// guest names its own (asconfig.json: "use"). A trap fails the call.
export function abortTrap(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32,
): void {
  unreachable();
}

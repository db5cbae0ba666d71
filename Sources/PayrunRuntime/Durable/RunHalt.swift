// Why the engine halted a run that the script could not be allowed to go on with: a payment whose
// outcome only a person can settle, or a journal that cannot be written.

/// What stopped a run from the host's side, reported in place of Lua's "script stopped".
struct RunHalt: Sendable {
    var status: PayrunExitStatus
    var kind: ScriptError.Kind
    var message: String
}

// RC4, only to read certificate key files in the encrypted form Capitalist's own client writes
// (providers.md §3): never used to protect anything new.

struct RC4 {
    private var state = [UInt8](0...255)
    private var i = 0
    private var j = 0

    init(key: [UInt8]) {
        var j = 0
        for i in 0..<256 {
            j = (j + Int(state[i]) + Int(key[i % key.count])) & 0xFF
            state.swapAt(i, j)
        }
    }

    /// Encrypts or decrypts (the same operation).
    mutating func apply(_ input: [UInt8]) -> [UInt8] {
        input.map { byte in
            i = (i + 1) & 0xFF
            j = (j + Int(state[i])) & 0xFF
            state.swapAt(i, j)
            return byte ^ state[(Int(state[i]) + Int(state[j])) & 0xFF]
        }
    }
}

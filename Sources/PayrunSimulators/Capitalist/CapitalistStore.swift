// The Capitalist simulator's state: the account holder's wallets, the batches uploaded and their
// payment records, the password-encryption key and tokens, and failed logins.
import CryptoExtras
import PayrunFormats
import PayrunLocks

final class CapitalistStore: Sendable {
    struct Account: Sendable {
        let number: String
        let currency: String
        var balance: Int
        var blocked = 0
    }

    /// One line of a batch, as `get_batch_info` and the history show it.
    struct Record: Sendable {
        let lineNumber: Int
        let internalNumber: String
        let channel: String
        let beneficiary: String
        let amount: Int
        let currency: String
        let paymentNumber: String
        let description: String
        var state = "NEW"
        var errorDetails = ""
        let created: Int

        var json: JSONValue {
            .object([
                "lineNumber": .integer(lineNumber), "internalNumber": .string(internalNumber), "beneficiary": .string(beneficiary),
                "amount": .string(Cents.text(amount)), "currency": .string(currency), "description": .string(description),
                "documentId": .string(internalNumber), "customNumber": .string(paymentNumber), "state": .string(state),
                "paymentType": .string(channel), "errorDetails": .string(errorDetails),
                "created": .string(UTCTime.text(created)),
            ])
        }

        var csv: [String] {
            [String(lineNumber), internalNumber, beneficiary, Cents.text(amount), currency, description, internalNumber,
             state, channel, errorDetails, paymentNumber, UTCTime.text(created)]
        }
    }

    struct Batch: Sendable {
        let id: String
        var records: [Record]
        /// MOBILE batches wait for `process_batch` before anything moves.
        var confirmed: Bool
    }

    struct State: Sendable {
        var accounts: [Account]
        var batches: [String: Batch] = [:]
        var batchOrder: [String] = []
        var nextNumber = 1
        /// Token → when it expires.
        var tokens: [String: Double] = [:]
        var failedLogins = 0
        var lockedUntil = 0.0
    }

    let state: Locked<State>
    /// The key `get_token` hands out and `encrypted_password` is decrypted with: made on first use
    /// (RSA key generation is the slowest thing the sandbox does).
    private let passwordKey = Locked<_RSA.Encryption.PrivateKey?>(nil)

    init(accounts: [Account]) {
        state = Locked(State(accounts: accounts))
    }

    func encryptionKey() throws -> _RSA.Encryption.PrivateKey {
        try passwordKey.withLock { key in
            if let key { return key }
            let made = try _RSA.Encryption.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
            key = made
            return made
        }
    }

    /// Every record of every batch, oldest first.
    func allRecords(_ state: State) -> [Record] {
        state.batchOrder.flatMap { state.batches[$0]?.records ?? [] }
    }
}

// Batch payouts: `import_batch_advanced` checks the verification (the batch's RSA-SHA1 signature
// against the account's certificate, a PIN's md5, or a MOBILE code confirmed later), reads every
// line, refuses the batch at its first bad line, debits the wallets, and processes the records
// over time; `process_batch` confirms a MOBILE batch.
import Crypto
import CryptoExtras
import FoundationEssentials
import PayrunFormats

struct CapitalistBatches: Sendable {
    let configuration: CapitalistSimulator.Configuration
    let store: CapitalistStore

    static let maximumRecords = 10_000
    /// Beneficiaries that do not exist: their payments are DECLINED.
    static let unknownBeneficiaries: Set<String> = ["U0000000", "Z000000000000", "0000000000000000"]

    func importBatch(_ fields: [String: String]) -> CapitalistReply {
        guard let batch = fields["batch"], !batch.isEmpty else { return .error(202, "batch is required") }
        let verification = fields["verification_type"] ?? ""
        switch verification {
        case "SIGNATURE":
            guard let signature = fields["verification_data"], !signature.isEmpty else { return .error(182) }
            guard verify(signature: signature, of: batch) else { return .error(110) }
        case "PIN":
            let digest = Hex.string(Insecure.MD5.hash(data: Array(configuration.pin.utf8)))
            guard fields["verification_data"]?.lowercased() == digest else { return .error(198) }
        case "MOBILE":
            break
        default:
            return .error(180, verification)
        }
        let lines = batch.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard lines.count <= Self.maximumRecords else { return .error(112) }
        var records: [CapitalistStore.Record] = []
        var numbers: Set<String> = []
        let accounts = store.state.withLock { $0.accounts }
        let currencies = Set(accounts.map(\.currency))
        let now = UTCTime.now()
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            func refuse(_ code: Int, _ reason: String) -> CapitalistReply {
                var reply = CapitalistReply.error(code, "line \(lineNumber): \(reason)")
                reply.data = .object(["errorAtLine": .integer(lineNumber)])
                return reply
            }
            guard line.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\t" }) else { return refuse(111, "control characters") }
            let parts = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard let channel = parts.first, ["CAPITALIST", "WM", "RUCARD"].contains(channel) else {
                return refuse(125, "unknown channel '\(parts.first ?? "")'")
            }
            let expected = channel == "RUCARD" ? 8 : 6
            guard parts.count == expected else { return refuse(125, "\(channel) lines have \(expected) fields, this one \(parts.count)") }
            guard let amount = Cents.parse(parts[2]), amount > 0 else { return refuse(125, "amount '\(parts[2])' must be like 50 or 12.50") }
            guard currencies.contains(parts[3]) else { return refuse(130, "no \(parts[3]) account to pay from") }
            guard !parts[4].isEmpty, numbers.insert(parts[4]).inserted else { return refuse(125, "payment number '\(parts[4])' is empty or repeated") }
            guard !parts[1].isEmpty else { return refuse(125, "no beneficiary") }
            records.append(CapitalistStore.Record(
                lineNumber: lineNumber, internalNumber: "", channel: channel, beneficiary: parts[1], amount: amount, currency: parts[3],
                paymentNumber: parts[4], description: parts[5], created: now))
        }
        guard !records.isEmpty else { return .error(125, "the batch has no lines") }
        let confirmed = verification != "MOBILE"
        let outcome = store.state.withLock { state -> Result<CapitalistStore.Batch, CapitalistReply> in
            var totals: [String: Int] = [:]
            for record in records { totals[record.currency, default: 0] += record.amount }
            for (currency, total) in totals {
                guard let account = state.accounts.firstIndex(where: { $0.currency == currency }), state.accounts[account].balance >= total else {
                    return .failure(.error(135, "\(currency) \(Cents.text(total)) needed"))
                }
            }
            for (currency, total) in totals {
                let account = state.accounts.firstIndex { $0.currency == currency }!
                state.accounts[account].balance -= total
            }
            let id = String(state.nextNumber)
            state.nextNumber += 1
            var numbered = records
            for index in numbered.indices {
                numbered[index] = CapitalistStore.Record(
                    lineNumber: records[index].lineNumber, internalNumber: "\(id)-\(records[index].lineNumber)", channel: records[index].channel,
                    beneficiary: records[index].beneficiary, amount: records[index].amount, currency: records[index].currency,
                    paymentNumber: records[index].paymentNumber, description: records[index].description, created: now)
            }
            let batch = CapitalistStore.Batch(id: id, records: numbered, confirmed: confirmed)
            state.batches[id] = batch
            state.batchOrder.append(id)
            return .success(batch)
        }
        switch outcome {
        case .failure(let reply): return reply
        case .success(let batch):
            if confirmed { process(batch.id) }
            let total = Cents.text(records.reduce(0) { $0 + $1.amount })
            return .success(
                .object([
                    "id": .string(batch.id), "summary": .string(total), "fee": .string("0.00"), "nettoSummary": .string(total),
                    "errors": .array([]),
                ]),
                csv: [[batch.id, total, "0.00", total]])
        }
    }

    /// `process_batch`: confirms a MOBILE batch with its code.
    func confirm(_ fields: [String: String]) -> CapitalistReply {
        guard let id = fields["batch_id"], store.state.withLock({ $0.batches[id] }) != nil else { return .error(2, "no batch \(fields["batch_id"] ?? "")") }
        guard fields["verification_data"] == configuration.mobileCode else { return .error(198) }
        let started = store.state.withLock { state -> Bool in
            guard state.batches[id]?.confirmed == false else { return false }
            state.batches[id]?.confirmed = true
            return true
        }
        if started { process(id) }
        return .success(.object(["id": .string(id)]), csv: [[id]])
    }

    /// Moves the batch's records NEW → INPROCESS → PROCESSED (or DECLINED, refunded).
    private func process(_ id: String) {
        let delay = configuration.processingDelay
        let store = self.store
        Task {
            try? await Task.sleep(for: delay)
            store.state.withLock { state in
                guard var batch = state.batches[id] else { return }
                for index in batch.records.indices where batch.records[index].state == "NEW" { batch.records[index].state = "INPROCESS" }
                state.batches[id] = batch
            }
            try? await Task.sleep(for: delay)
            store.state.withLock { state in
                guard var batch = state.batches[id] else { return }
                for index in batch.records.indices where batch.records[index].state == "INPROCESS" {
                    if Self.unknownBeneficiaries.contains(batch.records[index].beneficiary) {
                        batch.records[index].state = "DECLINED"
                        batch.records[index].errorDetails = "beneficiary account not found"
                        if let account = state.accounts.firstIndex(where: { $0.currency == batch.records[index].currency }) {
                            state.accounts[account].balance += batch.records[index].amount
                        }
                    } else {
                        batch.records[index].state = "PROCESSED"
                    }
                }
                state.batches[id] = batch
            }
        }
    }

    /// Whether `signature` (base64) is the account certificate's RSA PKCS#1 v1.5 SHA-1 signature
    /// of the batch's exact UTF-8 bytes.
    private func verify(signature: String, of batch: String) -> Bool {
        guard let bytes = Data(base64Encoded: signature), let key = certificateKey() else { return false }
        let digest = Insecure.SHA1.hash(data: Array(batch.utf8))
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: bytes), for: digest, padding: .insecurePKCS1v1_5)
    }

    private func certificateKey() -> _RSA.Signing.PublicKey? {
        if let pem = configuration.certificatePublicKeyPEM { return try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem) }
        return try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: SandboxCertificates.capitalistPrivateKeyPEM).publicKey
    }
}

// The Capitalist simulator (providers.md §3) at /capitalist/: one POST endpoint dispatching on
// `operation`, form-encoded or multipart as Capitalist's own PHP client sends them, answering JSON
// or CSV; passwords plain or RSA-encrypted with a `get_token` key; batches signed with the account's
// certificate key, debited, and moved NEW → INPROCESS → PROCESSED or DECLINED over time.
import CryptoExtras
import Hummingbird
import PayrunFormats

/// A stateful simulator of Capitalist's Payments API.
public struct CapitalistSimulator: ProviderSimulator {
    public static let sandboxLogin = "sandbox-capitalist"
    public static let sandboxPassword = "sandbox-capitalist-password"
    public static let path = "/capitalist"
    static let providerName = "capitalist"
    static var basePath: String { path + "/" }
    static let sandboxCredentials = [("login", sandboxLogin), ("password", sandboxPassword)]

    public struct Configuration: Sendable {
        public var login = CapitalistSimulator.sandboxLogin
        public var password = CapitalistSimulator.sandboxPassword
        /// The account holder's certificate public key (PEM), which batch signatures must match.
        public var certificatePublicKeyPEM: String? = nil
        /// `PIN` verification compares the md5 of this.
        public var pin = "1234"
        /// `MOBILE` verification: the code `process_batch` must bring.
        public var mobileCode = "000000"
        /// Wallets: number, currency, balance in cents.
        public var accounts: [(number: String, currency: String, cents: Int)] = [
            ("U0000001", "USD", 1_000_000_00), ("E0000001", "EUR", 500_000_00), ("R0000001", "RUR", 50_000_000_00),
        ]
        /// After this, a NEW record is INPROCESS; after as long again, PROCESSED or DECLINED.
        public var processingDelay: Duration = .milliseconds(300)
        public var tokenLifetime: Double = 1800
        /// Failed logins before the account is locked (error 16) for `lockSeconds`.
        public var maximumFailedLogins = 5
        public var lockSeconds: Double = 1800

        public init() {}
    }

    let configuration: Configuration
    let store: CapitalistStore

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        store = CapitalistStore(accounts: configuration.accounts.map { .init(number: $0.number, currency: $0.currency, balance: $0.cents) })
    }

    init(server configuration: SimulatorServer.Configuration) {
        self.init(configuration.capitalist)
    }

    func addRoutes(to router: Router<SimulatorContext>, services: SimulatorServices) {
        let operations = CapitalistOperations(configuration: configuration, store: store)
        // Faults act in front of every operation, as for the other providers; an injected status
        // comes as Capitalist's own error reply, with that HTTP status.
        let api = router.group()
            .add(middleware: FaultInjection(controller: services.faults) { status, message in
                var response = CapitalistReply.error(1, message).response(json: true)
                response.status = status
                return response
            })
        // One route serves `/capitalist` and `/capitalist/`.
        api.on(RouterPath(Self.path), method: .post) { request, context in
            try await operations.handle(request, context: context).response(json: Self.wantsJSON(request))
        }
        for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
            api.on(RouterPath(Self.path), method: method) { request, _ in
                CapitalistReply.error(150).response(json: Self.wantsJSON(request))
            }
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[CapitalistReply.formatHeader]?.lowercased() == "json"
    }
}

/// The operations, each given the request's fields once the login is checked.
struct CapitalistOperations: Sendable {
    let configuration: CapitalistSimulator.Configuration
    let store: CapitalistStore

    func handle(_ request: Request, context: SimulatorContext) async throws -> CapitalistReply {
        let body = try await request.body.collect(upTo: 16 << 20)
        guard let fields = FormBody.fields(Array(body.readableBytesView), contentType: request.headers[.contentType]) else {
            return .error(202, "the body must be form-encoded or multipart")
        }
        guard let operation = fields["operation"], !operation.isEmpty else { return .error(202, "operation is required") }
        guard fields["login"] == configuration.login else { return .error(5) }
        if operation == "get_token" { return try token() }
        if let refusal = authenticate(fields) { return refusal }
        switch operation {
        case "get_accounts": return accounts()
        case "is_verified_account": return .success(.object(["verified": .bool(fields["account"]?.hasPrefix("U") ?? false)]))
        case "currency_rates":
            let rates: [JSONValue] = [("USD", "EUR", "0.92"), ("EUR", "USD", "1.09"), ("USD", "RUR", "91.50")].map {
                .object(["from": .string($0.0), "to": .string($0.1), "rate": .string($0.2)])
            }
            return .success(.object(["rates": .array(rates)]), csv: [["USD", "EUR", "0.92"], ["EUR", "USD", "1.09"], ["USD", "RUR", "91.50"]])
        case "import_batch_advanced": return CapitalistBatches(configuration: configuration, store: store).importBatch(fields)
        case "process_batch": return CapitalistBatches(configuration: configuration, store: store).confirm(fields)
        case "get_batch_info": return batchInfo(fields)
        case "get_documents_history_ext": return history(fields)
        case "documents_search": return search(fields)
        default: return .error(151, operation)
        }
    }

    /// `get_token`: a token and the RSA key to encrypt the password with.
    private func token() throws -> CapitalistReply {
        let key = try store.encryptionKey()
        let token = "cap-" + OperationIDs.next()
        store.state.withLock { $0.tokens[token] = UTCTime.nowPrecise() + configuration.tokenLifetime }
        let primitives = try key.publicKey.getKeyPrimitives()
        let modulus = Hex.string(primitives.modulus)
        return .success(
            .object([
                "token": .string(token), "modulus": .string(modulus), "exponent": .string("10001"),
                "rsa_public_key_pkcs1_pem": .string(key.publicKey.pkcs1PEMRepresentation),
            ]),
            csv: [[token, modulus, "10001"]])
    }

    /// Nil when `fields` carry the right password (plain, or encrypted with a live token's key).
    private func authenticate(_ fields: [String: String]) -> CapitalistReply? {
        let now = UTCTime.nowPrecise()
        if store.state.withLock({ $0.lockedUntil > now }) { return .error(16) }
        let given: String
        if let plain = fields["plain_password"] {
            given = plain
        } else {
            guard let token = fields["token"], let expires = store.state.withLock({ $0.tokens[token] }), expires > now else { return .error(20) }
            guard let hex = fields["encrypted_password"], let bytes = Self.bytes(hex: hex),
                let key = try? store.encryptionKey(), let plain = try? key.decrypt(bytes, padding: ._WEAK_AND_INSECURE_PKCS_V1_5)
            else { return .error(10) }
            given = String(decoding: plain, as: UTF8.self)
        }
        return store.state.withLock { state -> CapitalistReply? in
            guard given == configuration.password else {
                state.failedLogins += 1
                if state.failedLogins >= configuration.maximumFailedLogins {
                    state.lockedUntil = now + configuration.lockSeconds
                    return .error(16)
                }
                return .error(15)
            }
            state.failedLogins = 0
            return nil
        }
    }

    private func accounts() -> CapitalistReply {
        let accounts = store.state.withLock { $0.accounts }
        return .success(
            .object(["accounts": .array(accounts.map { account in
                .object([
                    "name": .string("\(account.currency) wallet"), "number": .string(account.number), "currency": .string(account.currency),
                    "balance": .string(Cents.text(account.balance)),
                    "blockedAmount": .string(Cents.text(account.blocked)),
                ])
            })]),
            csv: accounts.map { [$0.number, $0.currency, Cents.text($0.balance), Cents.text($0.blocked), "\($0.currency) wallet"] })
    }

    /// `get_batch_info`: one page of a batch's records; over 1,000 records, paging is required (25).
    private func batchInfo(_ fields: [String: String]) -> CapitalistReply {
        guard let id = fields["batch_id"], let batch = store.state.withLock({ $0.batches[id] }) else { return .error(2, "no batch \(fields["batch_id"] ?? "")") }
        if fields["page_size"] == nil, batch.records.count > 1000 { return .error(25) }
        guard let size = Int(fields["page_size"] ?? "1000"), (1...1000).contains(size), let offset = Int(fields["start_offset"] ?? "0"), offset >= 0 else {
            return .error(202, "page_size is 1 to 1000 and start_offset from 0")
        }
        let page = Array(batch.records.dropFirst(offset).prefix(size))
        let pageCount = (batch.records.count + size - 1) / size
        return .success(
            .object([
                "id": .string(id), "offset": .integer(offset), "page": .integer(offset / size + 1), "pageSize": .integer(size),
                "pageCount": .integer(pageCount), "totalCount": .integer(batch.records.count), "records": .array(page.map(\.json)),
            ]),
            csv: page.map(\.csv))
    }

    /// `get_documents_history_ext`: every record, newest first, a page at a time (pages from 1).
    private func history(_ fields: [String: String]) -> CapitalistReply {
        guard let limit = Int(fields["limit"] ?? "50"), (50...1000).contains(limit), let page = Int(fields["page"] ?? "1"), page >= 1 else {
            return .error(202, "limit is 50 to 1000 and page from 1")
        }
        let records = store.state.withLock { store.allRecords($0) }.filter { record in
            fields["document_state"].map { $0.isEmpty || $0 == record.state } ?? true
        }.reversed()
        let items = Array(records.dropFirst((page - 1) * limit).prefix(limit))
        let pages: JSONValue = .object([
            "itemCount": .integer(records.count), "pageCount": .integer(max(1, (records.count + limit - 1) / limit)), "pageSize": .integer(limit),
            "currentPage": .integer(page), "currentPageCount": .integer(items.count),
        ])
        return .success(.object(["pages": pages, "history": .array(items.map(\.json))]), csv: items.map(\.csv))
    }

    /// `documents_search`: the records with payment number `customNumber`.
    private func search(_ fields: [String: String]) -> CapitalistReply {
        guard let number = fields["customNumber"], !number.isEmpty else { return .error(202, "customNumber is required") }
        let found = store.state.withLock { store.allRecords($0) }.filter { $0.paymentNumber == number }
        return .success(.object(["documents": .array(found.map(\.json))]), csv: found.map(\.csv))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

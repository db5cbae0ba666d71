// What Capitalist's replies mean (providers.md §3), shared by payrun's client and its simulator:
// the documented meaning of each error code, and the columns of the CSV records each operation
// answers with (the CSV columns are payrun's reading; Capitalist's document does not list them).

public enum CapitalistErrorCodes {
    public static let meanings: [Int: String] = [
        1: "System error", 2: "Run-time error", 5: "User not found", 10: "Error attempting to decrypt the password",
        15: "Invalid password", 16: "The number of login attempts exceeded. Try 30 minutes later", 20: "Invalid authentication token",
        25: "Information queries in batch downloads with over 1,000 entries is forbidden without page-by-page breakdown",
        110: "Signature verification error", 111: "The transfer data contains invalid characters",
        112: "Exceeded number of records in a single batch payment", 125: "Uploaded file cannot be parsed", 130: "Account not found",
        131: "At least one source account required", 135: "Insufficient funds for operations", 150: "A non-POST query received",
        151: "Unknown operation", 152: "API unavailable for the user", 180: "Unknown confirmation method",
        181: "The chosen verification method is inactive", 182: "Digital signature missing", 198: "Invalid verification code",
        200: "Account does not exist", 202: "Wrong request params",
    ]
}

public enum CapitalistCSVColumns {
    static let record = [
        "lineNumber", "internalNumber", "beneficiary", "amount", "currency", "description", "documentId", "state", "paymentType",
        "errorDetails", "customNumber", "created",
    ]

    /// Columns whose values are integers (in JSON, numbers; in CSV, digits).
    public static let integers: Set<String> = ["lineNumber"]

    /// Per operation: the member of `data` its records belong in, and their columns.
    public static let byOperation: [String: (member: String, columns: [String])] = [
        "get_accounts": ("accounts", ["number", "currency", "balance", "blockedAmount", "name"]),
        "currency_rates": ("rates", ["from", "to", "rate"]),
        "get_batch_info": ("records", record),
        "get_documents_history_ext": ("history", record),
        "documents_search": ("documents", record),
        "get_token": ("token", ["token", "modulus", "exponent"]),
        "import_batch_advanced": ("batch", ["id", "summary", "fee", "nettoSummary"]),
        "process_batch": ("batch", ["id"]),
    ]
}

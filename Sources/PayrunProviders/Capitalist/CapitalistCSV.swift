// Capitalist's CSV replies as the client reports them: the reading is PayrunFormats'
// CapitalistCSVReply; a code other than 0 becomes the provider's error.
import PayrunFormats
import PayrunProviderKit

enum CapitalistCSV {
    static func result(of body: [UInt8], status: Int, operation: String?, provider: String) throws(ProviderError) -> JSONValue {
        let reply: CapitalistCSVReply
        do {
            reply = try CapitalistCSVReply.read(body, operation: operation)
        } catch {
            switch error {
            case .empty: throw ProviderError(provider: provider, status: status, message: "an empty reply")
            case .notCSV(let line):
                throw ProviderError(provider: provider, status: status, message: "the reply is neither Capitalist's JSON nor its CSV; the first bytes: " + line)
            }
        }
        switch reply {
        case .data(let data): return data
        case .error(let code, let text): throw CapitalistProvider.error(code: code, text: text, status: status, provider: provider)
        }
    }
}

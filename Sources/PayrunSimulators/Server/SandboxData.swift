// The `--data` file: the state each simulator starts from instead of generated data.
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PayrunFormats

/// Starting data for the simulators, one member per provider:
/// `{"particeep": {"users": [...], "transactions": [...], ...}}`.
public struct SandboxData: Sendable {
    let providers: [String: JSONValue]
    public static let providerNames = ["particeep"]

    /// Reads and checks the shape of a data file; each simulator checks its own records.
    /// - Throws: `SimulatorError` naming the file and what is wrong, with the byte offset for bad JSON.
    public init(contentsOfFile path: String) throws(SimulatorError) {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // Foundation's error names its domain and codes; the system's words are what helps.
            let reason = access(path, R_OK) == 0 ? "\(error)" : String(cString: strerror(errno))
            throw SimulatorError(description: "\(path): cannot be read (\(reason))")
        }
        do {
            try self.init(json: JSONValue.parse(bytes))
        } catch let error as JSONParseError {
            throw SimulatorError(description: "\(path): not JSON: \(error.description)")
        } catch let error as SimulatorError {
            throw SimulatorError(description: "\(path): \(error.description)")
        } catch {
            throw SimulatorError(description: "\(path): \(error)")
        }
    }

    public init(json: JSONValue) throws(SimulatorError) {
        guard case .object(let members) = json else {
            throw SimulatorError(description: "the data must be a JSON object with a member per provider, e.g. {\"particeep\": {...}}")
        }
        for name in members.keys where !Self.providerNames.contains(name) {
            throw SimulatorError(description: "'\(name)' is not a simulated provider; the data file can hold \(Self.providerNames.joined(separator: ", "))")
        }
        providers = members
    }
}

// An operations service that runs payrun scripts on request: `POST /scripts/{name}/run` runs
// `{name}.lua` from one allowed folder with the JSON body's `arguments`, and answers the run's
// result as JSON. The engine is made once and shared by every request; a request whose client
// goes away cancels its run. (docs/embedding.md walks through it; a test builds and calls it.)
import Hummingbird
import Payrun

/// The script routes of a Hummingbird application.
public struct ScriptHost: Sendable {
    public let engine: PayrunEngine
    /// The only folder scripts are run from.
    public let folder: String
    /// How long one run may take.
    public var timeLimit: Duration = .seconds(30)

    public init(engine: PayrunEngine, folder: String) {
        self.engine = engine
        self.folder = folder
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("scripts/:name/run") { request, context -> Response in
            let name = try context.parameters.require("name")
            // A name, not a path: nothing outside the folder can be asked for.
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw HTTPError(.badRequest, message: "a script name is letters, digits, '-' and '_'")
            }
            let path = "\(folder)/\(name).lua"
            guard (try? FileContents.read(path, limit: 1 << 20)) != nil else { throw HTTPError(.notFound, message: "no script \(name)") }
            var options = RunOptions()
            options.arguments = try await Self.arguments(of: request)
            options.deadline = .now + timeLimit
            let result = try await engine.run(.file(path), options: options)
            return Response(
                status: result.status == .success ? .ok : .unprocessableContent,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.json(result))))
        }
    }

    /// `{"arguments": ["a", "b"]}`, or none for an empty body.
    static func arguments(of request: Request) async throws -> [String] {
        let body = try await request.body.collect(upTo: 1 << 16)
        guard body.readableBytes > 0 else { return [] }
        guard let value = try? JSONValue.parse(body.readableBytesView) else {
            throw HTTPError(.badRequest, message: "the body must be JSON: {\"arguments\": [...]}")
        }
        guard case .array(let items)? = value["arguments"] else { return [] }
        return try items.map { item in
            guard let text = item.string else { throw HTTPError(.badRequest, message: "arguments are strings") }
            return text
        }
    }

    /// The result as the service answers it.
    static func json(_ result: ScriptResult) -> [UInt8] {
        var writer = JSONWriter()
        writer.openObject()
        writer.field("status", result.status == .success ? "success" : "\(result.status)")
        writer.key("values")
        writer.value(.array(result.values))
        writer.field("values_problem", result.valuesProblem)
        writer.field("stdout", result.output?.standardOutput)
        writer.field("stderr", result.output?.standardError)
        if let error = result.error {
            writer.key("error")
            writer.openObject()
            writer.field("kind", "\(error.kind)")
            writer.field("message", error.message)
            writer.field("chunk", error.chunk)
            if let line = error.line { writer.field("line", line) }
            if let provider = error.provider {
                writer.key("provider")
                writer.openObject()
                writer.field("name", provider.provider)
                if let status = provider.status { writer.field("status", status) }
                writer.field("code", provider.code)
                writer.closeObject()
            }
            writer.closeObject()
        }
        writer.field("milliseconds", Int(result.duration / .milliseconds(1)))
        writer.field("requests", result.requestCount)
        writer.closeObject()
        return writer.bytes
    }
}

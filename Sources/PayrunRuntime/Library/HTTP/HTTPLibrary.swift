// payrun.http: requests to services other than the providers (a chat's incoming webhook, a
// ticketing API, the company's own), only to the hosts the operator allowed. Sent like provider
// requests: the same transport, timeouts, response cap and retries (reads retried, anything else
// only with `retry = true`), waited for the same way (a coroutine of payrun.parallel yields).
// Credentials are handles, filled in here in Swift and kept out of errors, traces and answers.
import LuaKit
import PayrunFormats

enum HTTPLibrary {
    /// Pushes the `payrun.http` table.
    static func push(onto stack: LuaStack, session: ProviderSession, output: any ScriptOutput) {
        stack.push(library: functions(session: session, output: output))
    }

    static func functions(session: ProviderSession, output: any ScriptOutput) -> [LuaRegistration] {
        let send = Sender(session: session, output: output)
        return [
            LuaRegistration("request") { call in try send(ServiceArguments.request(call, at: 1), call, raising: true) },
            LuaRegistration("tryrequest") { call in try send(ServiceArguments.request(call, at: 1), call, raising: false) },
            LuaRegistration("get") { call in try send(ServiceArguments.shortcut(call, method: "GET", hasBody: false), call, raising: true) },
            LuaRegistration("head") { call in try send(ServiceArguments.shortcut(call, method: "HEAD", hasBody: false), call, raising: true) },
            LuaRegistration("delete") { call in try send(ServiceArguments.shortcut(call, method: "DELETE", hasBody: false), call, raising: true) },
            LuaRegistration("post") { call in try send(ServiceArguments.shortcut(call, method: "POST", hasBody: true), call, raising: true) },
            LuaRegistration("put") { call in try send(ServiceArguments.shortcut(call, method: "PUT", hasBody: true), call, raising: true) },
            LuaRegistration("patch") { call in try send(ServiceArguments.shortcut(call, method: "PATCH", hasBody: true), call, raising: true) },
        ]
    }

    /// Sends a request for a script and hands back its response or error.
    private struct Sender {
        let session: ProviderSession
        let output: any ScriptOutput

        func callAsFunction(_ request: ServiceRequest, _ call: LuaCall, raising: Bool) throws -> LuaReturn {
            defer { writeNotes() }
            let resolved: ServiceRequest.Resolved
            do {
                resolved = try request.resolve(
                    allowedHosts: session.allowedHosts, store: session.credentials, environment: session.environment,
                    providers: session.registry)
            } catch {
                return try deliver(.failure(error), of: nil, to: call, raising: raising)
            }
            if session.dryRun, !request.isRead {
                session.notes.add("dry run, not sent: \(resolved.summary)")
                return try deliver(.success(ProviderResponse(status: 0, headers: [], body: [], attempts: 0)), of: resolved, to: call, raising: raising)
            }
            let client = try session.httpClient()
            // As before a provider's payment: what was printed is written out first.
            if !request.isRead { ReportFolder.writeOutBeforeAMutation(output, on: call.stack) }
            return try ReplyWaiting.wait(call, session: session, for: { () async throws(ProviderError) -> ProviderResponse in
                do throws(ProviderHTTPError) {
                    return try await client.send(resolved.request)
                } catch {
                    var failure = ServiceRequest.error(resolved.redactor.redact(error.description), retryable: error.isRetryable)
                    if case .outcomeUnknown = error { failure.outcomeUnknown = true }
                    throw failure
                }
            }, then: { outcome, call in
                defer { writeNotes() }
                return try deliver(outcome, of: resolved, to: call, raising: raising)
            })
        }

        /// Pushes the response, or raises (or returns `nil, err`) for no response or a status of
        /// 400 and above.
        private func deliver(
            _ outcome: Result<ProviderResponse, ProviderError>, of resolved: ServiceRequest.Resolved?, to call: LuaCall, raising: Bool
        ) throws -> LuaReturn {
            var failure: ProviderError
            switch outcome {
            case .success(let response) where response.status < 400:
                try push(response, redactedBy: resolved?.redactor, on: call.stack)
                return 1
            case .success(let response):
                failure = Self.error(for: response, to: resolved!)
            case .failure(let error):
                failure = error
            }
            guard raising else {
                call.stack.pushNil()
                ProviderValues.pushError(failure, on: call.stack)
                return 2
            }
            throw ProviderValues.raise(failure, call)
        }

        /// `http: 404 POST https://…/hook: the body's first line`, the body's first 4 KiB in
        /// `details.body`.
        private static func error(for response: ProviderResponse, to resolved: ServiceRequest.Resolved) -> ProviderError {
            // Redacted whole, then cut: a secret across the cut would otherwise leave its start.
            let redacted = resolved.redactor.redact(response.body)
            let body = String(decoding: redacted.prefix(4096), as: UTF8.self)
            let firstLine = body.split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
            var error = ServiceRequest.error(
                resolved.summary + (firstLine.isEmpty ? "" : ": " + firstLine), status: response.status,
                retryable: RetryPolicy.isRetryable(status: response.status))
            if !body.isEmpty { error.details["body"] = body }
            return error
        }

        /// `{status=, headers=, body=, attempts=, json=}`: header names in lower case, `json`
        /// the body decoded when the answer says it is JSON and it reads as JSON. A credential
        /// the service echoes back is redacted from each, in the forms it can take (as sent,
        /// percent-encoded, escaped in any JSON way).
        private func push(_ response: ProviderResponse, redactedBy redactor: Redactor?, on stack: LuaStack) throws {
            let body = redactor?.redact(response.body) ?? response.body
            try stack.reserve(4)
            stack.pushTable(fieldCapacity: 6)
            stack.push(response.status)
            stack.setField("status", in: -2)
            stack.push(response.attempts)
            stack.setField("attempts", in: -2)
            body.withUnsafeBytes { stack.push(bytes: $0) }
            stack.setField("body", in: -2)
            if response.attempts == 0 {
                stack.push(true)
                stack.setField("dry_run", in: -2)
            }
            let headers = response.headers
            stack.pushTable(fieldCapacity: headers.count)
            for (name, value) in headers {
                stack.push(redactor?.redact(value) ?? value)
                stack.setField(name.lowercased(), in: -2)
            }
            stack.setField("headers", in: -2)
            if let type = response.header("Content-Type")?.lowercased(), type.hasPrefix("application/json") || type.contains("+json"),
                let value = try? JSONValue.parse(body)
            {
                // Strings redacted once unescaped: `\/` or `\u0041` cannot hide a secret.
                try JSONLibrary.push(redactor?.redact(value) ?? value, on: stack)
                stack.setField("json", in: -2)
            }
        }

        private func writeNotes() {
            session.writeNotes(to: output)
        }
    }
}

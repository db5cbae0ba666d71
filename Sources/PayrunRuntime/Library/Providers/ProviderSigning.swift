// `p:sign{...}`: the request as it would be sent, for looking at. The headers signing adds carry
// secrets or values derived from them, so they are shown redacted, and a request built from what
// `p:sign` returned drops them and is signed afresh: never a way to take a usable secret out.
import LuaKit
import PayrunFormats

enum ProviderSigning {
    /// What `p:sign` shows for a header carrying a secret-derived value; `p:request` drops
    /// headers with this value and signs afresh.
    static let redactedSignature = "[redacted: added by payrun when sent]"

    /// Headers payrun sets itself, whatever a script gives.
    private static let ownHeaders: Set<String> = ["accept", "content-type"]

    /// `p:sign{method=, path=, query=, body=, headers=}`: `{method=, url=, headers=, body=}`.
    static func sign(_ call: LuaCall) throws -> LuaReturn {
        let handle = try call.object(at: 1, as: ProviderHandle.self)
        let parts = try ProviderArguments.requestParts(call, handle: handle)
        let client = handle.client
        let request: ProviderRequest
        let unsigned: ProviderRequest
        do {
            (request, unsigned) = try BlockingWait.run(stoppable: call.stack) {
                try await client.signedAndUnsigned(parts.method, parts.path, query: parts.query, body: parts.body, headers: parts.headers)
            }
        } catch let error as ProviderError {
            throw ProviderValues.raise(error, call)
        }
        let visible = client.provider.publicSigningHeaders
        let stack = call.stack
        stack.pushTable(fieldCapacity: 4)
        stack.push(request.method)
        stack.setField("method", in: -2)
        // A key signing put in the query is the provider's own: shown by name, its value
        // redacted, and dropped again by `p:request`, which signs afresh.
        stack.push(shownURL(signed: request.url, unsigned: unsigned.url))
        stack.setField("url", in: -2)
        stack.pushTable(fieldCapacity: request.headers.count)
        // Signing may add headers and drop the script's of the same name: a header is the
        // script's only if the request had it, name and value, before signing. Anything else is
        // the provider's, shown redacted unless it is public (a date), whatever its name.
        var before = unsigned.headers
        for (name, value) in request.headers {
            let index = before.firstIndex { $0.0 == name && $0.1 == value }
            if let index { before.remove(at: index) }
            let added = index == nil && !visible.contains(name.lowercased())
            stack.push(added ? redactedSignature : value)
            stack.setField(name, in: -2)
        }
        stack.setField("headers", in: -2)
        if var body = request.body {
            if body != unsigned.body {
                // Signing wrote the body (Capitalist's form, with the login and password): the
                // fields it added are shown redacted, as its headers are.
                body = shownSignedBody(body, given: unsigned.body ?? [])
            } else if let given = parts.body, case let shown = CredentialPlaceholder.shown(given), shown != given {
                // A credential handle in the body is its secret by now: shown by name instead.
                body = shown.encoded()
            }
            body.withUnsafeBytes { stack.push(bytes: $0) }
            stack.setField("body", in: -2)
        }
        return 1
    }

    /// A body signing rewrote, with every field the script did not give (that name with that
    /// value) shown as ``redactedSignature``: a form's fields, or a JSON object's members. Any
    /// other body signing changed is shown redacted whole. `given` is the body as the script gave
    /// it, always JSON (``ProviderArguments``).
    static func shownSignedBody(_ signed: [UInt8], given: [UInt8]) -> [UInt8] {
        let givenMembers: [String: JSONValue]
        if case .object(let members)? = try? JSONValue.parse(given) { givenMembers = members } else { givenMembers = [:] }
        if signed.first == UInt8(ascii: "{") {
            guard case .object(let members)? = try? JSONValue.parse(signed) else { return Array(redactedSignature.utf8) }
            var shown: [String: JSONValue] = [:]
            for (name, value) in members { shown[name] = givenMembers[name] == value ? value : .string(redactedSignature) }
            return JSONValue.object(shown).encoded()
        }
        let own = givenMembers.mapValues(renderings(of:))
        guard signed.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return Array(redactedSignature.utf8) }
        let shown = FormEncoding.fields(String(decoding: signed, as: UTF8.self)).map { name, value in
            FormEncoding.escape(name) + "=" + (own[name]?.contains(value) == true ? FormEncoding.escape(value) : redactedSignature)
        }
        return Array(shown.joined(separator: "&").utf8)
    }

    /// The ways a form may write a JSON value the script gave (Capitalist writes a boolean as 1
    /// or 0).
    private static func renderings(of value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .integer(let number): [String(number)]
        case .number(let number): [number.description]
        case .exactNumber(let text): [text]
        case .bool(let flag): flag ? ["1", "true"] : ["0", "false"]
        default: []
        }
    }

    /// The signed URL with the value of every query parameter signing added redacted; the
    /// script's URL when signing did more than add parameters.
    static func shownURL(signed: String, unsigned: String) -> String {
        guard signed.hasPrefix(unsigned), signed != unsigned else { return unsigned }
        let added = signed.dropFirst(unsigned.count)
        guard let separator = added.first, separator == "?" || separator == "&" else { return unsigned }
        let parameters = added.dropFirst().split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            (parameter.split(separator: "=", maxSplits: 1).first ?? "") + "=" + redactedSignature
        }
        return unsigned + String(separator) + parameters.joined(separator: "&")
    }

    /// A path from `p:sign`'s URL without the query parameters it showed redacted (as given
    /// back, or encoded on the way in any of the ways a form or URL encodes): signing adds them
    /// again.
    static func pathToSend(_ path: String) -> String {
        guard let mark = path.firstIndex(of: "?") else { return path }
        let kept = path[path.index(after: mark)...].split(separator: "&").filter { parameter in
            let value = parameter.split(separator: "=", maxSplits: 1).dropFirst().first ?? ""
            return percentDecoded(value) != redactedSignature
        }
        return String(path[..<mark]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
    }

    /// `text` with `+` read as a space and each `%XX` as its byte, in either case.
    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                      let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                input.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The headers of a request table worth sending: those from `p:sign` are signed afresh when
    /// sent, so the ones signing adds (redacted or public) and payrun's own are dropped.
    static func headersToSend(_ headers: [(String, String)], for provider: any PaymentProvider) -> [(String, String)] {
        let signing = provider.publicSigningHeaders
        return headers.filter { name, value in
            let lowered = name.lowercased()
            return value != redactedSignature && !signing.contains(lowered) && !ownHeaders.contains(lowered)
        }
    }
}

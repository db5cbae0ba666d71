// HTTPS requests go through `HTTPS_PROXY` (an HTTP CONNECT tunnel) and `NO_PROXY` hosts do not:
// shown with a proxy on loopback that records what it is asked and then refuses the tunnel, so
// nothing leaves this machine (the provider's host is never even resolved).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PayrunProviderKit
import PayrunTestSupport
import Testing

@Suite struct HTTPTransportProxyTests {
    /// A one-connection-at-a-time proxy on a free loopback port: keeps each request's first line
    /// and answers 403, as a proxy refusing the tunnel does.
    final class RefusingProxy: @unchecked Sendable {
        // @unchecked: `lines` is only touched under `lock`.
        let port: Int
        private let socket: Int32
        private let lock = NSLock()
        private var lines: [String] = []

        init() throws {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.socket = socket
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
            guard bound == 0, listen(socket, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread { [self] in self.serve() }.start()
        }

        var requests: [String] { lock.withLock { lines } }

        private func serve() {
            while true {
                let client = accept(socket, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(client, &buffer, buffer.count)
                if count > 0, let line = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\r\n").first {
                    lock.withLock { lines.append(String(line)) }
                }
                let answer = Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = write(client, answer, answer.count)
                close(client)
            }
        }

        func stop() {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
    }

    @Test func httpsGoesThroughTheProxyAndNoProxyHostsDoNot() async throws {
        let proxy = try RefusingProxy()
        defer { proxy.stop() }
        var settings = HTTPSettings(environment: ["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)", "NO_PROXY": "localhost"])
        settings.connectTimeout = .seconds(2)
        try await SimulatorFixture.with(settings) { transport in
            let client = ProviderHTTPClient(transport: transport, policy: .never)
            await #expect(throws: ProviderHTTPError.self) {
                _ = try await client.send(ProviderRequest(method: "GET", url: "https://api.provider.invalid/v1/user/usr_1"))
            }
            #expect(proxy.requests == ["CONNECT api.provider.invalid:443 HTTP/1.1"], "the tunnel was asked of the proxy, for the provider's host")
            await #expect(throws: ProviderHTTPError.self) {
                _ = try await client.send(ProviderRequest(method: "GET", url: "https://localhost:1/v1/x"))
            }
            #expect(proxy.requests.count == 1, "a NO_PROXY host is reached directly (here a closed loopback port)")
        }
    }
}

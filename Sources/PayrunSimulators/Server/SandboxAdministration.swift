// The admin routes under /_sandbox: what was received, what was sent, which faults are on.
// They need no signature: the sandbox serves loopback and its credentials are public anyway.
import Hummingbird

struct SandboxAdministration {
    let services: SimulatorServices

    func addRoutes(to router: Router<SimulatorContext>) {
        let admin = router.group("_sandbox")
        let services = self.services
        admin.get("requests") { request, _ in
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? Int.max
            return Response.json(services.requests.json(limit: max(limit, 0)))
        }
        admin.delete("requests") { _, _ in
            services.requests.removeAll()
            return Response(status: .noContent)
        }
        admin.get("webhooks") { _, _ in Response.json(services.webhooks.json()) }
        admin.get("faults") { _, _ in Self.text(services.faults.plan.description + "\n") }
        admin.put("faults") { request, _ in
            let body = try await request.body.collect(upTo: 64 << 10)
            do throws(FaultSpecError) {
                let plan = try FaultPlan(parsing: String(decoding: body.readableBytesView, as: UTF8.self))
                services.faults.replace(with: plan)
                return Self.text(plan.description + "\n")
            } catch {
                return Self.text(error.description + "\n", status: .badRequest)
            }
        }
    }

    private static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

import Foundation
import Hummingbird
import Logging
import Prometheus
import StewardStore

/// Public routes for load balancers, monitoring and API clients: liveness, readiness, metrics and the
/// OpenAPI document. None of them reveals personal data.
struct HealthController: Sendable {
    let store: Store
    let metrics: PrometheusCollectorRegistry

    func register(on router: Router<StewardRequestContext>) {
        router.get("/healthz") { _, _ in
            try JSONResponse.make(["status": "ok"])
        }
        router.get("/readyz") { _, context in
            guard let reason = await store.unreadiness() else { return try JSONResponse.make(["status": "ready"]) }
            context.logger.warning("not ready", metadata: ["reason": "\(reason)"])
            return try JSONResponse.make(["status": reason], status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            JSONResponse.text(metrics.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/v1/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
                let data = FileManager.default.contents(atPath: url.path)
            else { throw HTTPError(.internalServerError, message: "the OpenAPI document is missing from this build") }
            return JSONResponse.text(String(decoding: data, as: UTF8.self), contentType: "application/yaml; charset=utf-8")
        }
    }
}

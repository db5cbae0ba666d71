// The request context of every simulator route: Hummingbird's, plus the connection, which a
// "drop" fault closes without a reply.
import Hummingbird
import NIOCore

public struct SimulatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

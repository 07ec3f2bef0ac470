// varlink-certification PATH: serves org.varlink.certification on the Unix socket PATH
// (also accepted as `--varlink=unix:PATH`) until SIGTERM or SIGINT. Used by the
// test-varlink-certification suite with the Python peer's certification client.
import Dispatch
import Foundation
import Logging
import Varlink

var arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, var path = arguments.popFirst() else {
    FileHandle.standardError.write(Data("usage: varlink-certification SOCKET-PATH\n".utf8))
    exit(2)
}
if path.hasPrefix("--varlink=") { path.removeFirst("--varlink=".count) }
if path.hasPrefix("unix:") { path.removeFirst("unix:".count) }

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel =
        ProcessInfo.processInfo.environment["VARLINK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let socketPath = path
let logger = Logger(label: "varlink-certification")

let service = VarlinkService(
    info: VarlinkServiceInfo(
        vendor: "depot",
        product: "varlink-certification",
        version: "1",
        url: "https://varlink.org"
    ),
    interfaces: [try Certification.makeInterface()]
)
let server = VarlinkServer(service: service, endpoint: .unixPath(socketPath), gracePeriod: .seconds(5), logger: logger)

let serving = Task {
    try await server.run { print("varlink-certification: listening on \(socketPath)") }
}
var signalSources: [any DispatchSourceSignal] = []
for number in [SIGTERM, SIGINT] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
    source.setEventHandler { serving.cancel() }
    source.resume()
    signalSources.append(source)
}
do {
    try await serving.value
} catch {
    FileHandle.standardError.write(Data("varlink-certification: \(error)\n".utf8))
    exit(1)
}

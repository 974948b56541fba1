import ArgumentParser
import Glibc
import PatchbayClient
import PatchbayModel

/// `patchbay capture TARGET`: the daemon captures on each port's device and streams the file;
/// this command only writes it out, to a file or to standard output for a reader such as
/// `tshark -r -`.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture a network's, a port's or an owner's traffic, per port, as pcapng (or pcap).",
        discussion: """
            TARGET is NET (every port of the network), NET:PORT (a port UUID or device name) or OWNER \
            (that owner's ports on every network). pcapng gives each port an interface block named after \
            its device and described as OWNER/PORT-UUID/MAC, so every frame says which port it was seen \
            on. Without --count or --duration the capture runs until interrupted or its reader goes away. \
            Needs the rights of the API socket: whoever may change the networks may capture on them.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "NET, NET:PORT or OWNER.") var target: String
    @Option(help: ArgumentHelp("A capture filter in tcpdump's syntax (pcap-filter(7)), run in the kernel on every port.", valueName: "expression"))
    var filter: String?
    @Option(name: [.customShort("w"), .customLong("write")], help: ArgumentHelp("Write the capture to FILE ('-': standard output, the default).", valueName: "file"))
    var file: String?
    @Option(help: "Stop after this many frames (all ports together).") var count: Int?
    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var duration: Int?
    @Option(help: ArgumentHelp("Bytes kept of each frame (default \(CaptureRequest.defaultSnapLength)).", valueName: "bytes")) var snaplen: Int?
    @Flag(help: "Write classic pcap (one link type, no per-port interface ids) instead of pcapng.") var pcap = false

    func run() async throws {
        let toStandardOutput = file == nil || file == "-"
        if toStandardOutput && isatty(1) == 1 {
            throw ValidationError("refusing to write a capture file to a terminal: give -w FILE or pipe it (| tshark -r -)")
        }
        let request = CaptureRequest(target: target, filter: filter ?? "", count: count, durationSeconds: duration,
                                     snapLength: snaplen ?? CaptureRequest.defaultSnapLength, format: pcap ? .pcap : .pcapng)
        // A reader that goes away (tshark -c) must end the capture, not kill this process
        // mid-write: EPIPE ends the loop and the closed connection ends the daemon's capture.
        signal(SIGPIPE, SIG_IGN)
        let output = CaptureOutput(path: toStandardOutput ? nil : file)
        try await connection.client.capture(request) { bytes in output.write(bytes) }
        if let failure = output.failure { throw failure }
    }
}

/// Where the file goes. The file is opened at the first bytes, so a refused capture (a bad
/// filter) leaves no empty file behind, and each piece is written as it arrives (no buffering:
/// a reader of the pipe sees frames as they are captured).
final class CaptureOutput {
    private let path: String?
    private var fd: Int32 = -1
    private(set) var failure: PatchbayError?

    init(path: String?) { self.path = path }

    deinit { if fd > 2 { close(fd) } }

    /// False when writing must stop: the reader of standard output went away (a normal end),
    /// or the file cannot be written (an error, kept in `failure`).
    func write(_ bytes: ArraySlice<UInt8>) -> Bool {
        if fd < 0 {
            if let path {
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if fd < 0 {
                    failure = PatchbayError(.invalidArgument, "cannot write the capture to '\(path)'", cause: String(cString: strerror(errno)))
                    return false
                }
            } else {
                fd = 1
            }
        }
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if errno != EPIPE || path != nil {
                    failure = PatchbayError(.internal, "cannot write the capture to \(path.map { "'\($0)'" } ?? "standard output")",
                                            cause: String(cString: strerror(errno)))
                }
                return false
            }
            rest = rest.dropFirst(n)
        }
        return true
    }
}

import Foundation

/// Where the built `patchbayd` and `patchbay` are: $PATCHBAY_BIN_DIR when set, else next to the
/// test bundle (SwiftPM puts executables and tests in the same build directory).
public enum Binaries {
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["PATCHBAY_BIN_DIR"] { return dir }
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            var url = URL(fileURLWithPath: first).resolvingSymlinksInPath()
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                candidates.append(url.path)
            }
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/patchbayd") } ?? candidates.last!
    }

    public static var patchbayd: String { directory + "/patchbayd" }
    public static var patchbay: String { directory + "/patchbay" }
    public static var bridgeHelper: String { directory + "/patchbay-bridge-helper" }
}

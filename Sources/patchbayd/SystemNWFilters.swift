import Foundation
import Logging
import NWFilter

/// The filters of a libvirt installation (/etc/libvirt/nwfilter/*.xml), read once at start so
/// that a host moving from libvirt keeps the filters it had. A file that does not parse is
/// skipped with a warning naming it; the others still count.
enum SystemNWFilters {
    static func read(directory: String, logger: Logger) -> [NWFilterDefinition] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var out: [NWFilterDefinition] = []
        for name in names.sorted() where name.hasSuffix(".xml") {
            let path = directory + "/" + name
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                out.append(try NWFilterXMLParser.parse(text))
            } catch {
                logger.warning("skipping a libvirt network filter that cannot be read", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
        return out
    }
}

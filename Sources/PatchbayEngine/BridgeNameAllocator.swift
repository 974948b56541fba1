/// Picks a bridge name for a definition that has none or has a "%d" template, as libvirt's
/// define does: the lowest number that no other network claims and no existing device has.
enum BridgeNameAllocator {
    static func allocate(template: String?, taken: Set<String>) -> String? {
        let pattern = template ?? "virbr%d"
        for n in 0..<1024 {
            let candidate = pattern.replacingFirstTemplate(with: String(n))
            if candidate.utf8.count <= 15, !taken.contains(candidate) { return candidate }
        }
        return nil
    }
}

extension String {
    fileprivate func replacingFirstTemplate(with value: String) -> String {
        guard let index = indices.first(where: { self[$0...].hasPrefix("%d") }) else { return self }
        return String(self[..<index]) + value + String(self[self.index(index, offsetBy: 2)...])
    }
}

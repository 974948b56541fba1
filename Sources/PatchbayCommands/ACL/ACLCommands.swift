import ArgumentParser
import FoundationEssentials
import PatchbayClient
import PatchbayModel

/// Where an ACL is attached, from `--network NET [--portgroup PG]` or `--port UUID`.
struct ACLAttachmentOptions: ParsableArguments {
    @Option(help: "Every port of this network.") var network: String?
    @Option(help: "Only the ports of this portgroup of --network.") var portgroup: String?
    @Option(help: "One port, by UUID.") var port: String?

    func attachment() throws -> ACLAttachment? {
        if let port {
            guard network == nil, portgroup == nil else {
                throw PatchbayError(.invalidArgument, "--port goes alone, without --network or --portgroup")
            }
            guard let uuid = NetworkUUID(port) else { throw PatchbayError(.invalidArgument, "'\(port)' is not a port UUID") }
            return ACLAttachment(port: uuid)
        }
        if portgroup != nil, network == nil { throw PatchbayError(.invalidArgument, "--portgroup needs --network") }
        return network.map { ACLAttachment(network: $0, portgroup: portgroup) }
    }

    func required() throws -> ACLAttachment {
        guard let attachment = try attachment() else { throw PatchbayError(.invalidArgument, "give --network NET [--portgroup PG] or --port UUID") }
        return attachment
    }
}

func parseACLRules(_ texts: [String]) throws -> [ACLRule] {
    var rules: [ACLRule] = []
    for text in texts {
        do { rules.append(try ACLRuleText.parse(text)) } catch { throw PatchbayError(.invalidArgument, error.description) }
    }
    return rules
}

func parseACLDefault(_ text: String?, _ option: String) throws -> ACLDefaultAction? {
    guard let text else { return nil }
    guard let action = ACLDefaultAction(rawValue: text) else {
        throw PatchbayError(.invalidArgument, "\(option) must be accept, drop or reject, not '\(text)'")
    }
    return action
}

struct ACLCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl-create",
        abstract: "Create a network ACL.",
        discussion: """
            A rule is one argument: ACTION [PROTOCOL] [from SEL,...] [to SEL,...] [sport P,...] [dport P,...] \
            [type N] [over N/UNIT] [log] [comment TEXT]. ACTION is allow, drop or reject; PROTOCOL tcp, udp, sctp, \
            icmp4 or icmp6; SEL an address, a subnet, @guests, @host or @owner:NAME; `over` makes the rule match only \
            new connections beyond that rate. Rules run top-down, first match wins; replies of accepted connections \
            always pass. Examples:
              patchbay acl-create no-east-west --network default --egress 'drop to @guests'
              patchbay acl-create pair --network default --egress 'allow from @owner:web to @owner:db' --egress 'drop to @guests'
              patchbay acl-create no-remote --network default --ingress 'drop tcp dport 22,3389'
              patchbay acl-create slow-ssh --network default --ingress 'drop tcp dport 22 over 3/minute log'
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @Option(help: "What the ACL is for.") var description: String?
    @Option(help: "A rule for traffic into the guests (repeatable, in order).") var ingress: [String] = []
    @Option(help: "A rule for traffic out of the guests (repeatable, in order).") var egress: [String] = []
    @Option(name: .customLong("default-ingress"), help: "accept (default), drop or reject, once no rule matched.") var defaultIngress: String?
    @Option(name: .customLong("default-egress"), help: "accept (default), drop or reject, once no rule matched.") var defaultEgress: String?
    @OptionGroup var attach: ACLAttachmentOptions

    func run() async throws {
        let client = connection.client
        do {
            _ = try await client.acl(name)
            throw PatchbayError(.alreadyExists, "ACL '\(name)' already exists")
        } catch let error as PatchbayError where error.code == .notFound {}
        let acl = NetworkACL(name: name, description: description, ingress: try parseACLRules(ingress), egress: try parseACLRules(egress),
                             defaultIngress: try parseACLDefault(defaultIngress, "--default-ingress") ?? .accept,
                             defaultEgress: try parseACLDefault(defaultEgress, "--default-egress") ?? .accept,
                             attachments: try attach.attachment().map { [$0] } ?? [])
        _ = try await client.defineACL(acl)
        print("ACL \(name) created\n")
    }
}

/// `acl-define FILE`: an ACL from its JSON (what `acl-show --json` prints under "acl", or the API's body).
struct ACLDefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-define", abstract: "Create or replace an ACL from a JSON file.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL JSON file ('-' for standard input).") var file: String

    func run() async throws {
        let text = try readXMLArgument(file, what: "ACL JSON")
        let acl: NetworkACL
        do { acl = try JSONDecoder().decode(NetworkACL.self, from: Data(text.utf8)) } catch {
            throw PatchbayError(.invalidArgument, "'\(file)' is not an ACL in JSON: \(error)")
        }
        _ = try await connection.client.defineACL(acl)
        print("ACL \(acl.name) defined from \(file)\n")
    }
}

struct ACLDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-delete", abstract: "Delete an ACL; its ports lose its rules.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String

    func run() async throws {
        try await connection.client.deleteACL(name)
        print("ACL \(name) deleted\n")
    }
}

/// Read, change, write back: one ACL's edit through the API's replace.
func editACL(_ client: PatchbayClient, _ name: String, _ change: (inout NetworkACL) throws -> Void) async throws {
    var acl = try await client.acl(name).acl
    try change(&acl)
    _ = try await client.defineACL(acl)
}

struct ACLRuleAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-rule-add", abstract: "Add a rule to an ACL (at the end, or at --position).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @Option(help: "An ingress rule.") var ingress: String?
    @Option(help: "An egress rule.") var egress: String?
    @Option(help: "Its place in the list, from 1.") var position: Int?

    func run() async throws {
        guard (ingress == nil) != (egress == nil) else { throw PatchbayError(.invalidArgument, "give one of --ingress RULE or --egress RULE") }
        let rule = try parseACLRules([ingress ?? egress!])[0]
        try await editACL(connection.client, name) { acl in
            var list = ingress != nil ? acl.ingress : acl.egress
            let at = (position ?? list.count + 1) - 1
            guard at >= 0, at <= list.count else {
                throw PatchbayError(.invalidArgument, "--position must be from 1 to \(list.count + 1), not \(position!)")
            }
            list.insert(rule, at: at)
            if ingress != nil { acl.ingress = list } else { acl.egress = list }
        }
        print("Rule added to ACL \(name)\n")
    }
}

struct ACLRuleRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-rule-remove", abstract: "Remove a rule from an ACL by its place (acl-show numbers them).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @Option(help: "The ingress rule's place, from 1.") var ingress: Int?
    @Option(help: "The egress rule's place, from 1.") var egress: Int?

    func run() async throws {
        guard (ingress == nil) != (egress == nil) else { throw PatchbayError(.invalidArgument, "give one of --ingress N or --egress N") }
        try await editACL(connection.client, name) { acl in
            let index = (ingress ?? egress!) - 1
            let count = ingress != nil ? acl.ingress.count : acl.egress.count
            guard index >= 0, index < count else {
                throw PatchbayError(.invalidArgument, "ACL '\(name)' has \(count) \(ingress != nil ? "ingress" : "egress") rule\(count == 1 ? "" : "s"); there is no rule \(index + 1)")
            }
            if ingress != nil { acl.ingress.remove(at: index) } else { acl.egress.remove(at: index) }
        }
        print("Rule removed from ACL \(name)\n")
    }
}

struct ACLAttach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-attach", abstract: "Apply an ACL to a network, a portgroup of it, or one port.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @OptionGroup var attach: ACLAttachmentOptions

    func run() async throws {
        let attachment = try attach.required()
        try await editACL(connection.client, name) { acl in
            guard !acl.attachments.contains(attachment) else {
                throw PatchbayError(.alreadyExists, "ACL '\(name)' is already attached to \(attachment)")
            }
            acl.attachments.append(attachment)
        }
        print("ACL \(name) attached to \(attachment)\n")
    }
}

struct ACLDetach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-detach", abstract: "Take an ACL off a network, portgroup or port.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @OptionGroup var attach: ACLAttachmentOptions

    func run() async throws {
        let attachment = try attach.required()
        try await editACL(connection.client, name) { acl in
            guard let at = acl.attachments.firstIndex(of: attachment) else {
                throw PatchbayError(.notFound, "ACL '\(name)' is not attached to \(attachment)")
            }
            acl.attachments.remove(at: at)
        }
        print("ACL \(name) detached from \(attachment)\n")
    }
}

struct ACLList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-list", abstract: "List network ACLs.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON: an array of {name, description, ingressRules, egressRules, attachments, ports}.") var json = false

    func run() async throws {
        let acls = try await connection.client.listACLs()
        if json {
            print(try JSONOutput.render(acls))
            return
        }
        var table = VirshTable("Name", "Ingress", "Egress", "Ports", "Attached to")
        for acl in acls {
            table.append(acl.name, String(acl.ingressRules), String(acl.egressRules), String(acl.ports),
                         acl.attachments.isEmpty ? "-" : acl.attachments.map(\.description).joined(separator: ", "))
        }
        print(table.render(), terminator: "")
    }
}

struct ACLShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acl-show", abstract: "Show an ACL: its rules with hit counters, defaults, attachments and ports.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "ACL name.") var name: String
    @Flag(help: "Print JSON: {acl, ports, counters}.") var json = false

    func run() async throws {
        let details = try await connection.client.acl(name)
        if json {
            print(try JSONOutput.render(details))
            return
        }
        let acl = details.acl
        var lines = ["Name:            \(acl.name)"]
        if let d = acl.description { lines.append("Description:     \(d)") }
        lines.append("Default ingress: \(acl.defaultIngress.rawValue)")
        lines.append("Default egress:  \(acl.defaultEgress.rawValue)")
        lines.append("Attached to:     " + (acl.attachments.isEmpty ? "-" : acl.attachments.map(\.description).joined(separator: ", ")))
        lines.append("Ports:           " + (details.ports.isEmpty ? "-" : details.ports.joined(separator: " ")))
        print(lines.joined(separator: "\n") + "\n")
        var table = VirshTable("Direction", "#", "Rule", "Packets", "Bytes")
        for c in details.counters {
            table.append(c.direction.rawValue, c.index.map(String.init) ?? "-", c.rule, String(c.packets), String(c.bytes))
        }
        print(table.render(), terminator: "")
    }
}

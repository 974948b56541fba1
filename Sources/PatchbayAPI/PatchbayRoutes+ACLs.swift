import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// Network ACLs (`acl-*`): named policies attached to networks, portgroups or ports.
    static func aclRoutes(_ engine: NetworkEngine) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/acls") { _, _ in
                try JSONBody.response(try await engine.acls())
            },
            APIRoute(.get, "/v1/acls/{acl}") { _, context in
                try JSONBody.response(try await engine.aclDetails(name: try parameter(context, "acl")))
            },
            APIRoute(.put, "/v1/acls/{acl}") { request, context in
                let name = try parameter(context, "acl")
                let acl = try await JSONBody.decode(NetworkACL.self, from: request)
                guard acl.name == name else {
                    throw PatchbayError(.invalidArgument, "the ACL in the body is named '\(acl.name)', the path names '\(name)'")
                }
                return try JSONBody.response(try await engine.defineACL(acl))
            },
            APIRoute(.delete, "/v1/acls/{acl}") { _, context in
                try await engine.deleteACL(name: try parameter(context, "acl"))
                return Response(status: .noContent)
            },
        ]
    }
}

#!/usr/bin/env python3
"""A loopback stub in front of moto's server for `tests/it/fetch.rs`.

moto (5.2.5) does not implement Client VPN or Verified Access. This stub
answers those calls itself, in the EC2 Query API's XML as the AWS API
reference gives it (DescribeClientVpnEndpoints, DescribeClientVpnTargetNetworks,
DescribeClientVpnRoutes, DescribeClientVpnAuthorizationRules,
DescribeVerifiedAccessInstances, DescribeVerifiedAccessTrustProviders,
DescribeVerifiedAccessGroups, DescribeVerifiedAccessEndpoints,
GetVerifiedAccessGroupPolicy, GetVerifiedAccessEndpointPolicy: response
element names `clientVpnEndpoint`, `clientVpnTargetNetworks`, `routes`,
`authorizationRule`, `verifiedAccess*Set`, `policyEnabled`/`policyDocument`,
lists as `<item>`), one item per page with `nextToken`, so the client's
pagination is exercised. DescribeTransitGatewayPeeringAttachments too,
which moto answers wrongly (below). Everything else is forwarded to moto
unchanged.

  --moto URL          moto's server
  --data FILE         the Client VPN and Verified Access resources, as XML
                      element trees in JSON (written by populate.py)
  --port-file FILE    where the stub writes the port it listens on
  --log FILE          one line per request: the action, and what the stub did
  --throttle A,B      answer each of these actions once with RequestLimitExceeded
  --deny A,B          answer these actions with UnauthorizedOperation
  --unsupported A,B   answer these actions with InvalidAction (as an endpoint
                      that does not offer them)
  --fail A,B          answer these actions with InvalidParameterValue (an error
                      that is neither a denial nor retried: the fetch fails)
  --inflight FILE     the most requests in flight at once so far (each held
                      for --hold-ms, so concurrent calls overlap)
  --hold-ms N         how long each request is held before its answer (20)
"""
import argparse, http.client, json, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

# action -> (list key in the data file, response element, parameter filtering
# the items by one of their fields, or None)
LISTS = {
    "DescribeClientVpnEndpoints": ("client_vpn_endpoints", "clientVpnEndpoint", None),
    "DescribeClientVpnTargetNetworks": ("client_vpn_target_networks", "clientVpnTargetNetworks", ("ClientVpnEndpointId", "clientVpnEndpointId")),
    "DescribeClientVpnRoutes": ("client_vpn_routes", "routes", ("ClientVpnEndpointId", "clientVpnEndpointId")),
    "DescribeClientVpnAuthorizationRules": ("client_vpn_authorization_rules", "authorizationRule", ("ClientVpnEndpointId", "clientVpnEndpointId")),
    "DescribeVerifiedAccessInstances": ("verified_access_instances", "verifiedAccessInstanceSet", None),
    "DescribeVerifiedAccessTrustProviders": ("verified_access_trust_providers", "verifiedAccessTrustProviderSet", None),
    "DescribeVerifiedAccessGroups": ("verified_access_groups", "verifiedAccessGroupSet", None),
    "DescribeVerifiedAccessEndpoints": ("verified_access_endpoints", "verifiedAccessEndpointSet", None),
}
# Calls moto answers wrongly, answered here from the data file instead:
# moto 5.2.5 lists every transit gateway attachment, VPC ones too, under
# DescribeTransitGatewayPeeringAttachments (without `requesterTgwInfo`); the
# populated account has no peering, so the list is empty.
LISTS["DescribeTransitGatewayPeeringAttachments"] = (
    "transit_gateway_peering_attachments", "transitGatewayPeeringAttachments", None)

# action -> (policies key in the data file, parameter naming the resource)
POLICIES = {
    "GetVerifiedAccessGroupPolicy": ("verified_access_group_policies", "VerifiedAccessGroupId"),
    "GetVerifiedAccessEndpointPolicy": ("verified_access_endpoint_policies", "VerifiedAccessEndpointId"),
}


def xml(v):
    """A JSON value as Query API XML: objects are elements, lists are `<item>`s."""
    if isinstance(v, dict):
        return "".join(f"<{k}>{xml(x)}</{k}>" for k, x in v.items())
    if isinstance(v, list):
        return "".join(f"<item>{xml(x)}</item>" for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return escape(str(v))


def error_xml(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error></Errors>"
            "<RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--moto", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--throttle", default="")
    ap.add_argument("--deny", default="")
    ap.add_argument("--fail", default="")
    ap.add_argument("--unsupported", default="")
    ap.add_argument("--inflight", default=None)
    ap.add_argument("--hold-ms", type=int, default=20)
    a = ap.parse_args()
    state = {"now": 0, "max": 0}
    data = json.load(open(a.data))
    moto = urllib.parse.urlparse(a.moto)
    throttle = set(filter(None, a.throttle.split(",")))
    deny = set(filter(None, a.deny.split(",")))
    fail = set(filter(None, a.fail.split(",")))
    unsupported = set(filter(None, a.unsupported.split(",")))
    lock = threading.Lock()
    log = open(a.log, "a")

    def note(line):
        with lock:
            log.write(line + "\n")
            log.flush()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def leave(self):
            """The request is no longer in flight: counted before its answer
            is written, so the client's next request cannot overlap it."""
            if getattr(self, "counted", False):
                self.counted = False
                with lock:
                    state["now"] -= 1

        def send(self, status, body, ctype="text/xml;charset=UTF-8"):
            b = body.encode()
            self.leave()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def forward(self, body):
            c = http.client.HTTPConnection(moto.hostname, moto.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            c.request(self.command, self.path, body=body, headers=headers)
            r = c.getresponse()
            out = r.read()
            self.leave()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
            c.close()

        def handle_any(self):
            with lock:
                state["now"] += 1
                self.counted = True
                if state["now"] > state["max"]:
                    state["max"] = state["now"]
                    if a.inflight:
                        with open(a.inflight, "w") as f:
                            f.write(str(state["max"]))
            try:
                time.sleep(a.hold_ms / 1000)
                self.answer()
            finally:
                self.leave()

        def answer(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
            q.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
            action = q.get("Action", "")
            with lock:
                throttled = action in throttle
                throttle.discard(action)
            if throttled:
                note(f"{action} throttled")
                return self.send(503, error_xml("RequestLimitExceeded", "Request limit exceeded."))
            if action in deny:
                note(f"{action} denied")
                return self.send(403, error_xml(
                    "UnauthorizedOperation", "You are not authorized to perform this operation."))
            if action in unsupported:
                note(f"{action} unsupported")
                return self.send(400, error_xml(
                    "InvalidAction", f"The action {action} is not valid for this web service."))
            if action in fail:
                note(f"{action} failed")
                return self.send(400, error_xml("InvalidParameterValue", "The stub fails this call."))
            if action in LISTS:
                key, element, by = LISTS[action]
                items = data.get(key, [])
                if by:
                    items = [i for i in items if i.get(by[1]) == q.get(by[0])]
                start = int(q.get("NextToken") or 0)
                page = items[start:start + 1]
                more = start + 1 < len(items)
                note(f"{action} page {start}")
                token = f"<nextToken>{start + 1}</nextToken>" if more else ""
                return self.send(200, f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{NS}">'
                                 f"<requestId>00000000-0000-4000-8000-00000000000{start % 10}</requestId>"
                                 f"<{element}>{xml(page)}</{element}>{token}</{action}Response>")
            if action in POLICIES:
                key, param = POLICIES[action]
                p = data.get(key, {}).get(q.get(param, ""))
                note(f"{action} {q.get(param, '')}")
                if p is None:
                    return self.send(400, error_xml(f"Invalid{param}.NotFound", "not found"))
                return self.send(200, f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{NS}">'
                                 f"<requestId>00000000-0000-4000-8000-000000000000</requestId>{xml(p)}</{action}Response>")
            note(f"{action or self.command} forwarded")
            self.forward(body)

        do_POST = handle_any
        do_GET = handle_any

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

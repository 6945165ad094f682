-- Known devices (package loginguard, a cookie issued at sign-in) replace
-- known IPs as the evidence that lets the owner past a per-account attack:
-- an IP is shared by everyone behind the same NAT, CGNAT or proxy.
DROP TABLE known_logins;

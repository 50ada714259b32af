"""Webhook destinations: our own network is refused after DNS resolution. Pure: a fake resolver, no DNS."""

import socket

import pytest

from partners.integrations.ssrf import DestinationPolicy, DestinationRefused, check_url, resolve_destination

PRODUCTION = DestinationPolicy()
LOCAL_DEMO = DestinationPolicy(allow_http=True, allow_loopback=True)


def resolver(*addresses):
    def resolve(host, port, type=socket.SOCK_STREAM):  # noqa: A002 - getaddrinfo's own keyword
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, type, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("127.0.0.1", "loopback_address"),
        ("::1", "loopback_address"),
        ("10.1.2.3", "private_address"),
        ("172.16.0.9", "private_address"),
        ("192.168.1.20", "private_address"),
        ("100.64.0.1", "private_address"),
        ("fd12:3456::1", "private_address"),
        ("169.254.169.254", "link_local_address"),
        ("fe80::1", "link_local_address"),
        ("fd00:ec2::254", "link_local_address"),
        ("::ffff:127.0.0.1", "loopback_address"),
        ("0.0.0.0", "private_address"),  # noqa: S104 - an address to refuse, not one we bind
    ],
)
def test_a_name_resolving_to_our_network_is_refused(address, code):
    with pytest.raises(DestinationRefused) as refused:
        resolve_destination("https://hooks.partner.example/in", PRODUCTION, resolve=resolver(address))
    assert refused.value.code == code


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(DestinationRefused):
        resolve_destination("https://hooks.partner.example/", PRODUCTION, resolve=resolver("93.184.215.14", "10.0.0.1"))


def test_a_public_destination_is_connected_to_by_its_checked_address():
    found = resolve_destination(
        "https://Hooks.Partner.example:8443/in?x=1", PRODUCTION, resolve=resolver("93.184.215.14")
    )
    assert (found.host, found.port, found.path, found.addresses) == (
        "hooks.partner.example",
        8443,
        "/in?x=1",
        ("93.184.215.14",),
    )


def test_a_name_that_does_not_resolve_is_refused():
    def fail(*args, **kwargs):
        raise socket.gaierror("no such name")

    with pytest.raises(DestinationRefused) as refused:
        resolve_destination("https://nowhere.example/", PRODUCTION, resolve=fail)
    assert refused.value.code == "dns_failed"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.partner.example/", "https_required"),
        ("ftp://hooks.partner.example/", "invalid_scheme"),
        ("https://user:pw@hooks.partner.example/", "credentials_in_url"),
        ("https://localhost/", "loopback_address"),
        ("https://127.0.0.1:8443/", "loopback_address"),
        ("https://[::1]/", "loopback_address"),
        ("https://169.254.169.254/latest/meta-data/", "link_local_address"),
        ("https://host:99999/", "invalid_url"),
    ],
)
def test_registration_refuses_what_it_can_tell_without_dns(url, code):
    with pytest.raises(DestinationRefused) as refused:
        check_url(url, PRODUCTION)
    assert refused.value.code == code


def test_the_local_demo_setting_allows_http_to_loopback_but_still_not_the_private_network():
    check_url("http://127.0.0.1:18100/hook", LOCAL_DEMO)
    assert resolve_destination("http://localhost:18100/", LOCAL_DEMO, resolve=resolver("127.0.0.1")).addresses
    with pytest.raises(DestinationRefused):
        resolve_destination("http://intranet/", LOCAL_DEMO, resolve=resolver("192.168.0.10"))
    with pytest.raises(DestinationRefused):
        resolve_destination("http://metadata/", LOCAL_DEMO, resolve=resolver("169.254.169.254"))

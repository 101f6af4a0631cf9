"""ONVIF namespaces, SOAP actions and health levels the adapter uses (reference cameras.md §1.1).

The SOAP action of every ONVIF operation is `<service namespace>/<Operation>`, except the
event and WS-BaseNotification operations listed in `ACTIONS`.
"""

from __future__ import annotations

__all__ = ["NS", "ACTIONS", "action", "Level", "SERVICE_NS", "PRE_AUTH", "CONCRETE_SET",
           "PASSWORD_DIGEST", "BASE64_BINARY", "GENERIC_VELOCITY", "GENERIC_ZOOM_VELOCITY"]

NS: dict[str, str] = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tr2": "http://www.onvif.org/ver20/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
    "tns1": "http://www.onvif.org/ver10/topics",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}

SERVICE_NS: dict[str, str] = {
    "device": NS["tds"], "media": NS["trt"], "media2": NS["tr2"], "ptz": NS["tptz"],
    "events": NS["tev"],
}

_EVENTS = NS["tev"]
_WSN = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager"
ACTIONS: dict[str, str] = {
    "CreatePullPointSubscription":
        f"{_EVENTS}/EventPortType/CreatePullPointSubscriptionRequest",
    "GetEventProperties": f"{_EVENTS}/EventPortType/GetEventPropertiesRequest",
    "PullMessages": f"{_EVENTS}/PullPointSubscription/PullMessagesRequest",
    "SetSynchronizationPoint": f"{_EVENTS}/PullPointSubscription/SetSynchronizationPointRequest",
    "Renew": f"{_WSN}/RenewRequest",
    "Unsubscribe": f"{_WSN}/UnsubscribeRequest",
}

# Operations a device must answer without credentials (Core §access classes).
PRE_AUTH = frozenset({"GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetHostname",
                      "GetWsdlUrl", "GetServiceCapabilities", "GetEndpointReference"})

CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                   "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
BASE64_BINARY = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-soap-message-security-1.0#Base64Binary")
GENERIC_VELOCITY = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace"
GENERIC_ZOOM_VELOCITY = "http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace"


def action(namespace: str, operation: str) -> str:
    return ACTIONS.get(operation, f"{namespace}/{operation}")


class Level:
    """How far a camera got, reported as Reading.level (health.level)."""

    UNREACHABLE = "unreachable"
    REACHABLE = "reachable"  # HTTP answers, SOAP not (yet) understood
    ANSWERS_WITHOUT_AUTH = "answers_without_auth"  # PRE_AUTH operations work
    AUTHENTICATED = "authenticated"
    STREAM_URI_OBTAINED = "stream_uri_obtained"

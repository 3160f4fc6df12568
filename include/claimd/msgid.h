/* msgid.h — journald MESSAGE_IDs; systemd/claimd.catalog explains each. Never change an id. */
#ifndef CLAIMD_MSGID_H
#define CLAIMD_MSGID_H

#define MSGID_STARTED            "ce2e1b338f56d729cc802ec6688c677d" /* claimd started */
#define MSGID_STOPPED            "f9831770b22e422ac5cd072fd7c9ce48" /* claimd stopped */
#define MSGID_PUBLISHER_BOUND    "5e95bc2dbaa3cd1635db5ca651d4eba8" /* publisher bound */
#define MSGID_SOURCE_FAILING     "d9463f5a2d7c32c5827ab90356684001" /* source failing */
#define MSGID_SOURCE_RECOVERED   "7436fe9ddc03ee2211799f5d849157d2" /* source recovered */
#define MSGID_SOURCE_DISABLED    "c5c99ff0ca06235e6e0bf44f9c97a638" /* source disabled (failing for longer than disable_after) */
#define MSGID_FEED_UNPARSEABLE   "76afc0aa118809ab0053b81738fcd4dc" /* feed unparseable */
#define MSGID_FEED_ILLFORMED     "5d376c65d6b5071c125f8d98b364d726" /* feed ill-formed, recovered */
#define MSGID_CONFIG_RELOADED    "a60fd1797e801d0e7cfc36f8f27bc2e7" /* configuration reloaded */
#define MSGID_CONFIG_REJECTED    "29b5c8e4d077f19805ea6433269e9a85" /* configuration rejected */
#define MSGID_STATE_ERROR        "b3f22fa359af3bf92a4049170d2b1efd" /* state database error */
#define MSGID_SOURCE_REDIRECTED  "caae433015c862b78a1c7430741fe107" /* source permanently redirected */
#define MSGID_BODY_TOO_LARGE     "9c556cb42f97be0eb829b299002104f0" /* body over the size limit */
#define MSGID_ARTICLE_PUBLISHED  "59d313f7f689a9716524f19f6d757f97" /* article published */
#define MSGID_PAGE_REFUSED       "a9032d8aea074350b2a6cf45eb75ccf9" /* article page refused: not a public address */
#define MSGID_PAGE_UNUSED        "09f7d979e75a43bdaab5fadf3514eb2e" /* article page not used: feed text published */
#define MSGID_ARTICLE_CUT        "06c1f85b14a44deda8c98cfaf737e1d2" /* article over a size limit: text or claims cut */
#define MSGID_CLIENT_REFUSED     "b0a5d0a4c9e34e1f8b7f5d6c2a41e903" /* a ZeroMQ client refused: unknown CURVE key, or no CURVE */
#define MSGID_CLAIMS_UNTAGGED    "d8394c6447674839a25173455bc0eccc" /* claims: sentences analysed without tags */
#define MSGID_LOG_SUPPRESSED     "20ae77206b9e37ed1b0c1ec92eafdb36" /* log messages suppressed */
#define MSGID_NATS_UNREACHABLE   "337ad03131224375a68a36a0cb04847b" /* JetStream unreachable: backlog kept in the journal */
#define MSGID_NATS_RECOVERED     "71b3ca99aaf546238489e4c89cb55ef0" /* JetStream reachable again: backlog resent */
#define MSGID_NATS_EXPIRED       "67d8a91fa72b460f93fdc5a5cad9391a" /* journal pruned messages JetStream never acknowledged */
#define MSGID_NATS_STREAM        "bca64a0ad07b4cf78287aebca51d3dc4" /* JetStream stream created or refused */

#endif

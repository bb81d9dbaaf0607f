#include "server/store/v2_error.hpp"

namespace coord::store {

std::string_view v2_error_message(int code) {
  switch (code) {
    case 100: return "Key not found";
    case 101: return "Compare failed";
    case 102: return "Not a file";
    case 103: return "Reached the max number of peers in the cluster";
    case 104: return "Not a directory";
    case 105: return "Key already exists";
    case 106: return "The prefix of given key is a keyword in etcd";
    case 107: return "Root is read only";
    case 108: return "Directory not empty";
    case 109: return "Peer address has existed";
    case 110: return "The request requires user authentication";
    case 200: return "Value is Required in POST form";
    case 201: return "PrevValue is Required in POST form";
    case 202: return "The given TTL in POST form is not a number";
    case 203: return "The given index in POST form is not a number";
    case 204: return "Value or TTL is required in POST form";
    case 205: return "The given timeout in POST form is not a number";
    case 206: return "Name is required in POST form";
    case 207: return "Index or value is required";
    case 208: return "Index and value cannot both be specified";
    case 209: return "Invalid field";
    case 210: return "Invalid POST form";
    case 211: return "Value provided on refresh";
    case 212: return "A TTL must be provided on refresh";
    case 300: return "Raft Internal Error";
    case 301: return "During Leader Election";
    case 400: return "watcher is cleared due to etcd recovery";
    case 401: return "The event in requested index is outdated and cleared";
    case 402: return "Standby Internal Error";
    case 403: return "Invalid active size";
    case 404: return "Standby remove delay";
    case 500: return "Client Internal Error";
    default: return "Unknown error";
  }
}

int v2_error_http_status(int code) {
  switch (code) {
    case kEcodeKeyNotFound: return 404;
    case kEcodeNotFile: return 403;
    case kEcodeDirNotEmpty: return 403;
    case kEcodeUnauthorized: return 401;
    case kEcodeTestFailed: return 412;
    case kEcodeNodeExist: return 412;
    case kEcodeRaftInternal: return 500;
    case kEcodeLeaderElect: return 500;
    default: return 400;
  }
}

std::string_view V2Error::message() const { return v2_error_message(code); }
int V2Error::http_status() const { return v2_error_http_status(code); }

}  // namespace coord::store

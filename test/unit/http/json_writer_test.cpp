#include "server/http/json_writer.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>

#include "server/common/hex.hpp"

using namespace coord::http;

namespace {

std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string float_json(double v) {
  std::string out;
  append_json_float(out, v);
  return out;
}

std::string float_g(double v) {
  std::string out;
  append_go_float_g(out, v);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_string)

BOOST_AUTO_TEST_CASE(escape__etcd_real_example_html_quotes_backslash_and_utf8) {
  // etcd 3.4's v2 API: value `<a&b> "q" \ é`.
  BOOST_TEST(json("<a&b> \"q\" \\ \xC3\xA9") ==
             "\"\\u003ca\\u0026b\\u003e \\\"q\\\" \\\\ \xC3\xA9\"");
}

BOOST_AUTO_TEST_CASE(escape__plain_ascii_is_copied) {
  BOOST_TEST(json("Hello world /x:y=z?#~") == "\"Hello world /x:y=z?#~\"");
  BOOST_TEST(json("") == "\"\"");
}

BOOST_AUTO_TEST_CASE(escape__control_bytes_as_go_1_19_writes_them) {
  BOOST_TEST(json(std::string_view("\x00\x01\x1f", 3)) == "\"\\u0000\\u0001\\u001f\"");
  BOOST_TEST(json("\n\r\t") == "\"\\n\\r\\t\"");
  // Go 1.19 has no short forms for backspace and form feed.
  BOOST_TEST(json("\b\f") == "\"\\u0008\\u000c\"");
  // DEL is in Go's safe set.
  BOOST_TEST(json("\x7f") == "\"\x7f\"");
}

BOOST_AUTO_TEST_CASE(escape__line_and_paragraph_separators) {
  BOOST_TEST(json("a\xE2\x80\xA8" "b\xE2\x80\xA9") == "\"a\\u2028b\\u2029\"");
  // Neighbours of U+2028 stay raw.
  BOOST_TEST(json("\xE2\x80\xA7\xE2\x80\xAA") == "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

BOOST_AUTO_TEST_CASE(escape__invalid_utf8_becomes_one_replacement_per_byte) {
  BOOST_TEST(json("\xff") == "\"\\ufffd\"");
  BOOST_TEST(json("a\xC3") == "\"a\\ufffd\"");                      // truncated
  BOOST_TEST(json("\xC0\xAF") == "\"\\ufffd\\ufffd\"");             // overlong
  BOOST_TEST(json("\xED\xA0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  BOOST_TEST(json("\xF4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  BOOST_TEST(json("\xE2\x9C") == "\"\\ufffd\\ufffd\"");
}

BOOST_AUTO_TEST_CASE(escape__valid_multibyte_utf8_is_raw) {
  BOOST_TEST(json("\xE2\x9C\x93") == "\"\xE2\x9C\x93\"");          // ✓
  BOOST_TEST(json("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // emoji
  BOOST_TEST(json("\xEF\xBF\xBD") == "\"\xEF\xBF\xBD\"");          // a literal U+FFFD
}

BOOST_AUTO_TEST_CASE(escape__matches_token_by_token_encoding_at_every_offset) {
  // Self-delimiting pieces and their Go encodings; random sequences of them exercise the
  // eight-bytes-at-a-time scan with escapes at every position of a word.
  const std::pair<std::string_view, std::string_view> pieces[] = {
      {"a", "a"}, {"Z", "Z"}, {" ", " "}, {"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"},
      {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x01", "\\u0001"}, {"\x7f", "\x7f"},
      {"\xC3\xA9", "\xC3\xA9"}, {"\xff", "\\ufffd"}, {"\xE2\x80\xA8", "\\u2028"},
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
  };
  std::mt19937 rng(42);  // fixed seed: deterministic
  for (int round = 0; round < 5000; ++round) {
    std::string in, expected = "\"";
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      // Mostly plain letters, so that long plain runs occur.
      const auto& [raw, enc] = pieces[rng() % 3 == 0 ? rng() % std::size(pieces) : rng() % 2];
      in += raw;
      expected += enc;
    }
    expected += '"';
    BOOST_TEST_CONTEXT("round " << round) { BOOST_TEST(json(in) == expected); }
  }
}

// What Go writes for one byte standing alone (bytes >= 0x80 alone are invalid UTF-8).
std::string go_single_byte(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
  }
  if (c >= 0x80) return "\\ufffd";
  if (c < 0x20 || c == '<' || c == '>' || c == '&') {
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xF];
  }
  return std::string(1, static_cast<char>(c));
}

BOOST_AUTO_TEST_CASE(escape__every_byte_value_at_every_position_around_the_16_byte_steps) {
  // The scan looks at 16 bytes per step, then byte by byte for the tail: each byte value at
  // each position of strings just under, at and over one and two steps.
  for (const std::size_t len : {1u, 15u, 16u, 17u, 31u, 32u, 33u, 47u}) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string in(len, 'x');
        in[pos] = static_cast<char>(b);
        const std::string expected =
            "\"" + std::string(pos, 'x') + go_single_byte(static_cast<unsigned char>(b)) + std::string(len - pos - 1, 'x') + "\"";
        BOOST_TEST_CONTEXT("len " << len << " pos " << pos << " byte " << b) { BOOST_TEST(json(in) == expected); }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(escape__multibyte_sequences_across_the_16_byte_steps) {
  // Valid sequences stay raw and U+2028 is escaped wherever they start, split over two steps
  // or not; a sequence cut by the end of the string is one replacement per byte.
  const std::pair<std::string_view, std::string_view> seqs[] = {
      {"\xC3\xA9", "\xC3\xA9"},
      {"\xE2\x9C\x93", "\xE2\x9C\x93"},
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
      {"\xE2\x80\xA8", "\\u2028"},
      {"\xE2\x80\xA9", "\\u2029"},
  };
  for (const auto& [raw, enc] : seqs) {
    for (std::size_t pos = 0; pos < 40; ++pos) {
      const std::string in = std::string(pos, 'a') + std::string(raw) + std::string(40 - pos, 'b');
      const std::string expected = "\"" + std::string(pos, 'a') + std::string(enc) + std::string(40 - pos, 'b') + "\"";
      BOOST_TEST_CONTEXT("pos " << pos) { BOOST_TEST(json(in) == expected); }
    }
  }
  for (std::size_t pos = 0; pos < 20; ++pos) {
    const std::string in = std::string(pos, 'a') + "\xF0\x9F\x98";
    BOOST_TEST(json(in) == "\"" + std::string(pos, 'a') + "\\ufffd\\ufffd\\ufffd\"");
  }
}

BOOST_AUTO_TEST_CASE(escape__long_plain_runs_with_escapes_at_either_end) {
  const std::string run(1 << 20, 'v');  // a 1 MiB value, as the big-value benchmark sends
  BOOST_TEST(json(run) == "\"" + run + "\"");
  BOOST_TEST(json("<" + run + ">") == "\"\\u003c" + run + "\\u003e\"");
  BOOST_TEST(json(run + "\n" + run) == "\"" + run + "\\n" + run + "\"");
  // Appends to what the buffer already holds.
  std::string out = "{\"value\":";
  append_json_string(out, run);
  BOOST_TEST(out == "{\"value\":\"" + run + "\"");
}

BOOST_AUTO_TEST_CASE(escape__long_random_token_sequences) {
  // As matches_token_by_token_encoding_at_every_offset, with sequences long enough for many
  // 16-byte steps between and across escapes.
  const std::pair<std::string_view, std::string_view> pieces[] = {
      {"abcdefghijklmnopq", "abcdefghijklmnopq"}, {"r", "r"}, {"<", "\\u003c"}, {"&", "\\u0026"},
      {"\"", "\\\""}, {"\\", "\\\\"}, {"\t", "\\t"}, {"\x1f", "\\u001f"}, {"\x7f", "\x7f"},
      {"\xC3\xA9", "\xC3\xA9"}, {"\x80", "\\ufffd"}, {"\xE2\x80\xA9", "\\u2029"},
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},
  };
  std::mt19937 rng(17);  // fixed seed: deterministic
  for (int round = 0; round < 2000; ++round) {
    std::string in, expected = "\"";
    const int n = static_cast<int>(rng() % 200);
    for (int k = 0; k < n; ++k) {
      const auto& [raw, enc] = pieces[rng() % 4 == 0 ? rng() % std::size(pieces) : rng() % 2];
      in += raw;
      expected += enc;
    }
    expected += '"';
    BOOST_TEST_CONTEXT("round " << round) { BOOST_TEST(json(in) == expected); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rfc3339_nano_format)

BOOST_AUTO_TEST_CASE(format__epoch_has_no_fraction) {
  BOOST_TEST(rfc3339_nano(0) == "1970-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(format__trailing_zeros_of_the_fraction_are_dropped) {
  BOOST_TEST(rfc3339_nano(1795294572591558330) == "2026-11-21T20:56:12.59155833Z");
  BOOST_TEST(rfc3339_nano(1795294566629338216) == "2026-11-21T20:56:06.629338216Z");
  BOOST_TEST(rfc3339_nano(1709251199500000000) == "2024-02-29T23:59:59.5Z");
  BOOST_TEST(rfc3339_nano(946684799000000001) == "1999-12-31T23:59:59.000000001Z");
}

BOOST_AUTO_TEST_CASE(format__leap_years_and_century_rules) {
  BOOST_TEST(rfc3339_nano(951825600000000000) == "2000-02-29T12:00:00Z");
  BOOST_TEST(rfc3339_nano(4107542400000000000) == "2100-03-01T00:00:00Z");
  BOOST_TEST(rfc3339_nano(4107542400000000000 - 1) == "2100-02-28T23:59:59.999999999Z");
}

BOOST_AUTO_TEST_CASE(format__year_2038_and_the_int64_limits) {
  BOOST_TEST(rfc3339_nano(2147483648000000000) == "2038-01-19T03:14:08Z");
  BOOST_TEST(rfc3339_nano(std::numeric_limits<std::int64_t>::max()) ==
             "2262-04-11T23:47:16.854775807Z");
  BOOST_TEST(rfc3339_nano(std::numeric_limits<std::int64_t>::min()) ==
             "1677-09-21T00:12:43.145224192Z");
}

BOOST_AUTO_TEST_CASE(format__before_1970_keeps_a_positive_fraction) {
  BOOST_TEST(rfc3339_nano(-1) == "1969-12-31T23:59:59.999999999Z");
  BOOST_TEST(rfc3339_nano(-1'000'000'000) == "1969-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(go_numbers)

BOOST_AUTO_TEST_CASE(hex_id__lowercase_without_leading_zeros) {
  BOOST_TEST(coord::to_hex(0x2e1259d415f2a040ULL) == "2e1259d415f2a040");
  BOOST_TEST(coord::to_hex(0x0bac5726c3570298ULL) == "bac5726c3570298");
  BOOST_TEST(coord::to_hex(0) == "0");
}

BOOST_AUTO_TEST_CASE(json_float__real_leader_stats_values) {
  BOOST_TEST(float_json(0.00016) == "0.00016");
  BOOST_TEST(float_json(0.010048473684210527) == "0.010048473684210527");
  BOOST_TEST(float_json(0.03660663666945254) == "0.03660663666945254");
  BOOST_TEST(float_json(0.00007) == "0.00007");
  BOOST_TEST(float_json(0.165281) == "0.165281");
}

BOOST_AUTO_TEST_CASE(json_float__integers_zero_and_exponent_limits) {
  BOOST_TEST(float_json(0) == "0");
  BOOST_TEST(float_json(123) == "123");
  BOOST_TEST(float_json(-2.5) == "-2.5");
  BOOST_TEST(float_json(0.0000015) == "0.0000015");
  BOOST_TEST(float_json(1e-7) == "1e-7");
  BOOST_TEST(float_json(1.5e-10) == "1.5e-10");
  BOOST_TEST(float_json(1e21) == "1e+21");
  BOOST_TEST(float_json(1e20) == "100000000000000000000");
  // Go pads the shortest digits with zeros rather than printing the exact binary value.
  BOOST_TEST(float_json(123456789012345678901.0) == "123456789012345680000");
}

BOOST_AUTO_TEST_CASE(go_float_g__prometheus_number_spellings) {
  BOOST_TEST(float_g(1161) == "1161");
  BOOST_TEST(float_g(0) == "0");
  BOOST_TEST(float_g(123456) == "123456");
  BOOST_TEST(float_g(1e6) == "1e+06");
  BOOST_TEST(float_g(1234567) == "1.234567e+06");
  BOOST_TEST(float_g(1763756685.22) == "1.76375668522e+09");
  BOOST_TEST(float_g(0.5) == "0.5");
  BOOST_TEST(float_g(0.0001) == "0.0001");
  BOOST_TEST(float_g(0.00001) == "1e-05");
  BOOST_TEST(float_g(std::numeric_limits<double>::infinity()) == "+Inf");
}

BOOST_AUTO_TEST_CASE(go_duration__every_unit_range) {
  BOOST_TEST(go_duration(0) == "0s");
  BOOST_TEST(go_duration(1) == "1ns");
  BOOST_TEST(go_duration(1500) == "1.5\xC2\xB5s");
  BOOST_TEST(go_duration(1'500'000) == "1.5ms");
  BOOST_TEST(go_duration(1'000'000'000) == "1s");
  BOOST_TEST(go_duration(741'700'154'637) == "12m21.700154637s");
  BOOST_TEST(go_duration(3'600'000'000'000) == "1h0m0s");
  BOOST_TEST(go_duration(3'661'500'000'000) == "1h1m1.5s");
  BOOST_TEST(go_duration(-1500) == "-1.5\xC2\xB5s");
  BOOST_TEST(go_duration(std::numeric_limits<std::int64_t>::min()) == "-2562047h47m16.854775808s");
}

BOOST_AUTO_TEST_SUITE_END()

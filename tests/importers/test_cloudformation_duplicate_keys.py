"""A key given twice in a template is refused by its path and both lines, in YAML and in JSON."""

from __future__ import annotations

import doctest

import pytest

from game.importers import ModelError, duplicate_keys, load_architecture


def refusal(text: str, source: str) -> ModelError:
    with pytest.raises(ModelError) as info:
        load_architecture(text, source)
    assert info.value.code == "invalid_model"
    return info.value


TWO_PROPERTIES_YAML = """\
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
    Properties:
      TableName: orders
"""

TWICE_DEFINED_YAML = """\
Resources:
  Orders:
    Type: AWS::SQS::Queue
  Mailer:
    Type: AWS::SNS::Topic
  Orders:
    Type: AWS::SQS::Queue
"""

TOP_LEVEL_YAML = """\
Description: shop
Resources:
  Orders:
    Type: AWS::SQS::Queue
Description: again
"""

DEEP_YAML = """\
Resources:
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      Targets:
        - Id: a
          Arn: arn:aws:sqs:eu-west-1:123456789012:a
        - Id: b
          Arn: arn:aws:sqs:eu-west-1:123456789012:b
          DeadLetterConfig:
            Arn: arn:aws:sqs:eu-west-1:123456789012:dlq
            Arn: arn:aws:sqs:eu-west-1:123456789012:other
"""

TWO_PROPERTIES_JSON = """\
{
  "Resources": {
    "OrdersTable": {
      "Type": "AWS::DynamoDB::Table",
      "Properties": {"BillingMode": "PAY_PER_REQUEST"},
      "Properties": {"TableName": "orders"}
    }
  }
}
"""

TWICE_DEFINED_JSON = """\
{"Resources": {
  "Orders": {"Type": "AWS::SQS::Queue"},
  "Orders": {"Type": "AWS::SNS::Topic"}
}}
"""

TOP_LEVEL_JSON = '{"Resources": {"Orders": {"Type": "AWS::SQS::Queue"}},\n "Resources": {}}'

DEEP_JSON = """\
{"Resources": {"Nightly": {"Type": "AWS::Events::Rule", "Properties": {"Targets": [
  {"Id": "a", "Arn": "arn:aws:sqs:eu-west-1:123456789012:a"},
  {"Id": "b", "Arn": "arn:aws:sqs:eu-west-1:123456789012:b",
   "DeadLetterConfig": {"Arn": "arn:aws:sqs:eu-west-1:123456789012:dlq",
                        "Arn": "arn:aws:sqs:eu-west-1:123456789012:other"}}
]}}}}
"""


@pytest.mark.parametrize(
    ("text", "source", "key", "path", "lines"),
    [
        (TWO_PROPERTIES_YAML, "t.yaml", "Properties", "Resources.OrdersTable.Properties", (4, 6)),
        (TWICE_DEFINED_YAML, "t.yaml", "Orders", "Resources.Orders", (2, 6)),
        (TOP_LEVEL_YAML, "t.yaml", "Description", "Description", (1, 5)),
        (DEEP_YAML, "t.yaml", "Arn", "Resources.Nightly.Properties.Targets[1].DeadLetterConfig.Arn", (11, 12)),
        (TWO_PROPERTIES_JSON, "t.json", "Properties", "Resources.OrdersTable.Properties", (5, 6)),
        (TWICE_DEFINED_JSON, "t.json", "Orders", "Resources.Orders", (2, 3)),
        (TOP_LEVEL_JSON, "t.json", "Resources", "Resources", (1, 2)),
        (DEEP_JSON, "t.json", "Arn", "Resources.Nightly.Properties.Targets[1].DeadLetterConfig.Arn", (4, 5)),
    ],
)
def test_a_duplicate_key_is_named_with_its_path_and_both_lines(
    text: str, source: str, key: str, path: str, lines: tuple[int, int]
) -> None:
    err = refusal(text, source)
    assert err.path == path
    assert f"{key!r} is given twice" in err.message
    assert f"at lines {lines[0]} and {lines[1]}" in err.message
    assert "Duplicate found" not in err.message  # our words, not the decoder's
    assert str(err).startswith(f"{source}: {path}: ")


def test_keys_on_one_line_of_json_are_still_told_apart() -> None:
    err = refusal('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Type": "AWS::SNS::Topic"}}}', "t.json")
    assert err.path == "Resources.Q.Type"
    assert "at lines 1 and 1" in err.message


def test_equal_looking_keys_of_different_kinds_are_not_duplicates() -> None:
    # 1 is an integer key and '1' a string: the loader keeps both, so only the real duplicate is named
    text = "Mappings:\n  Sizes:\n    1: {a: x}\n    '1': {a: y}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n  Q: {Type: AWS::SQS::Queue}\n"
    assert refusal(text, "t.yaml").path == "Resources.Q"


def test_a_merge_key_may_be_overridden() -> None:
    found = duplicate_keys.yaml_duplicate("base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\n  x: 3\n")
    assert found is None


def test_a_template_without_duplicates_still_imports_and_malformed_yaml_names_its_line() -> None:
    arch = load_architecture(TWO_PROPERTIES_YAML.replace("    Properties:\n      TableName: orders\n", ""), "t.yaml")
    assert arch.component("OrdersTable") is not None
    err = refusal("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n   bad: [\n", "t.yaml")
    assert "not valid YAML" in err.message and "line 4" in err.message


def test_doctests() -> None:
    assert doctest.testmod(duplicate_keys).failed == 0

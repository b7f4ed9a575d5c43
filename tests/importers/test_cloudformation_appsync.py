"""AppSync GraphQL APIs: an API component whose auth modes are judged, with flows to its data sources."""

from __future__ import annotations

from templatekit import flows

from cards import load_deck
from game.architecture import Architecture, ComponentType
from game.importers import cloudformation
from game.rules import scan


def parse(text: str) -> Architecture:
    return cloudformation.parse_template(text, "graphql.yaml")


NOTES = """
Resources:
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Audit:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/audit
      Code: {ZipFile: "x"}
  SourceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: appsync.amazonaws.com}, Action: sts:AssumeRole}]}
  NotesApi:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      Name: notes
      AuthenticationType: AMAZON_COGNITO_USER_POOLS
      UserPoolConfig:
        UserPoolId: !Ref Users
        AwsRegion: !Ref AWS::Region
        DefaultAction: ALLOW
      AdditionalAuthenticationProviders:
        - AuthenticationType: AWS_IAM
  Users:
    Type: AWS::Cognito::UserPool
  NotesKey:
    Type: AWS::AppSync::ApiKey
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
  GetNote:
    Type: AWS::AppSync::Resolver
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      TypeName: Query
      FieldName: getNote
      DataSourceName: !GetAtt NotesSource.Name
  ListNotes:
    Type: AWS::AppSync::Resolver
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      TypeName: Query
      FieldName: listNotes
      DataSourceName: notes_table
  SaveNote:
    Type: AWS::AppSync::Resolver
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      TypeName: Mutation
      FieldName: saveNote
      Kind: PIPELINE
      PipelineConfig:
        Functions: [!GetAtt AuditStep.FunctionId]
  AuditStep:
    Type: AWS::AppSync::FunctionConfiguration
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      Name: audit
      DataSourceName: !GetAtt AuditSource.Name
  NotesSource:
    Type: AWS::AppSync::DataSource
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      Name: notes_table
      Type: AMAZON_DYNAMODB
      ServiceRoleArn: !GetAtt SourceRole.Arn
      DynamoDBConfig:
        TableName: !Ref Notes
        AwsRegion: !Ref AWS::Region
  AuditSource:
    Type: AWS::AppSync::DataSource
    Properties:
      ApiId: !GetAtt NotesApi.ApiId
      Name: audit_fn
      Type: AWS_LAMBDA
      ServiceRoleArn: !GetAtt SourceRole.Arn
      LambdaConfig:
        LambdaFunctionArn: !GetAtt Audit.Arn
"""


def test_a_graphql_api_is_an_api_with_flows_to_its_data_sources() -> None:
    arch = parse(NOTES)
    api = arch.component("NotesApi")
    assert api.type is ComponentType.API_GATEWAY
    found = flows(arch)
    table = found[("NotesApi", "Notes")]
    assert (table.label, table.kind, table.is_async) == ("Query.getNote, Query.listNotes", "read", False)
    assert table.location is not None and table.location.path == "Resources.NotesSource.Properties"
    audit = found[("NotesApi", "Audit")]
    assert (audit.label, audit.kind) == ("Mutation.saveNote", "invoke")
    assert found[("NotesApi", "Users")].label == "validates tokens"
    assert not any("SourceRole" in pair or "NotesKey" in pair for pair in found)
    assert {c.id for c in arch.components} >= {"NotesApi", "Notes", "Audit"}
    assert "NotesSource" not in {c.id for c in arch.components}


def test_every_mode_must_authenticate_and_an_api_key_does_not() -> None:
    authenticated = parse(NOTES).component("NotesApi")
    assert authenticated.attributes["authorizer"] == "cognito"
    with_key = parse(NOTES.replace("        - AuthenticationType: AWS_IAM", "        - AuthenticationType: API_KEY"))
    api = with_key.component("NotesApi")
    assert api.attributes["authorizer"] == "none"
    assert api.provenance["authorizer"].startswith("Properties.AdditionalAuthenticationProviders[0] is API_KEY")
    s2 = [f for f in scan(with_key, load_deck()) if f.card.id == "S2" and f.target == "NotesApi"]
    assert s2, "an internet-facing GraphQL API that takes an API key is an API nobody signs in to"
    assert not [f for f in scan(parse(NOTES), load_deck()) if f.card.id == "S2" and f.target == "NotesApi"]


def test_private_visibility_logging_and_waf_are_read() -> None:
    text = NOTES.replace("      Name: notes\n", """      Name: notes
      Visibility: PRIVATE
      LogConfig:
        FieldLogLevel: ALL
        CloudWatchLogsRoleArn: !GetAtt SourceRole.Arn
""") + """  NotesAcl:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !GetAtt NotesApi.Arn
      WebACLArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y
"""
    api = parse(text).component("NotesApi")
    assert api.attributes["public"] is False
    assert api.attributes["access_logging"] is True
    assert api.attributes["data_trace"] is True
    assert api.attributes["waf"] is True
    silent = parse(NOTES).component("NotesApi")
    assert (silent.attributes["public"], silent.attributes["access_logging"], silent.attributes["waf"]) == (True, False, False)


SAM_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Posts:
    Type: AWS::Serverless::SimpleTable
  Authorize:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
  PostsApi:
    Type: AWS::Serverless::GraphQLApi
    Properties:
      SchemaInline: "type Query { getPost(id: ID!): String }"
      Auth:
        Type: AWS_LAMBDA
        LambdaAuthorizer:
          FunctionArn: !GetAtt Authorize.Arn
      EnvironmentVariables:
        SERVICE_PASSWORD: hunter2hunter2
      DataSources:
        DynamoDb:
          PostsSource:
            TableName: !Ref Posts
            TableArn: !GetAtt Posts.Arn
      Functions:
        GetPostStep:
          Runtime: {Name: APPSYNC_JS, Version: 1.0.0}
          DataSource: PostsSource
          CodeUri: ./get.js
      Resolvers:
        Mutation:
          addPost:
            Runtime: {Name: APPSYNC_JS, Version: 1.0.0}
            Pipeline: [GetPostStep]
"""


def test_sam_inline_data_sources_resolvers_and_lambda_authorizer() -> None:
    arch = parse(SAM_API)
    api = arch.component("PostsApi")
    assert api.attributes["authorizer"] == "lambda"
    assert api.attributes["stage_var_secrets"] is True
    found = flows(arch)
    assert (found[("PostsApi", "Posts")].label, found[("PostsApi", "Posts")].kind) == ("Mutation.addPost", "write")
    assert found[("PostsApi", "Authorize")].label == "authorizes requests"

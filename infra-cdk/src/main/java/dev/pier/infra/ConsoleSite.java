package dev.pier.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.cloudfront.AllowedMethods;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.Function;
import software.amazon.awscdk.services.cloudfront.FunctionCode;
import software.amazon.awscdk.services.cloudfront.FunctionEventType;
import software.amazon.awscdk.services.cloudfront.FunctionAssociation;
import software.amazon.awscdk.services.cloudfront.FunctionRuntime;
import software.amazon.awscdk.services.cloudfront.OriginRequestPolicy;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersPolicy;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.origins.HttpOrigin;
import software.amazon.awscdk.services.cloudfront.origins.S3BucketOrigin;
import software.amazon.awscdk.services.cognito.OAuthFlows;
import software.amazon.awscdk.services.cognito.OAuthScope;
import software.amazon.awscdk.services.cognito.OAuthSettings;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.cognito.UserPoolClientOptions;
import software.amazon.awscdk.services.cognito.UserPoolDomain;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * The console (issue #19) in AWS: its static files (the {@code pier-console} jar's {@code META-INF/resources/console/})
 * in a private S3 bucket behind a CloudFront distribution that also sends {@code /api/*} and {@code /v2/*} to the HTTP
 * API, so the console calls the API on its own origin (no CORS). Deep links ({@code /console/models/x}) get
 * {@code index.html} from a CloudFront Function on the bucket's behaviour only (API 404s stay the API's).
 * {@code /console/config.json} names the Cognito hosted UI and a public app client (authorization code with PKCE,
 * the API's scopes), which the API's JWT authorizer accepts: the console signs in with the API's identity.
 */
final class ConsoleSite extends Construct {
  /** The same rule as the plain server's {@code ConsoleRoutes}: a console path that is no file is a page. */
  static final String DEEP_LINKS = """
      function handler(event) {
        var r = event.request;
        if (r.uri === '/' || r.uri === '/console') {
          return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };
        }
        if (r.uri.indexOf('/console/') === 0 && !/^\\/console\\/(views|vendor|assets)\\//.test(r.uri)
            && !/^\\/console\\/[^\\/]+\\.(js|css|json|png|svg|ico|txt|map)$/.test(r.uri)) {
          r.uri = '/console/index.html';
        }
        return r;
      }
      """;

  private final UserPoolClient client;
  private final Distribution distribution;

  ConsoleSite(Construct scope, String id, PierConfig config, HttpApi api, UserPool pool, UserPoolDomain domain,
      List<OAuthScope> apiScopes) {
    super(scope, id);
    Bucket bucket = Bucket.Builder.create(this, "Files")
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .encryption(BucketEncryption.S3_MANAGED)
        .enforceSsl(true)
        .removalPolicy(RemovalPolicy.DESTROY)
        .autoDeleteObjects(false)
        .build();
    Nag.suppress(bucket, "AwsSolutions-S1", "The console's bucket holds only the console's public static files, "
        + "written by the deployment; reads go through CloudFront, whose requests are what matters.");
    HttpOrigin apiOrigin = HttpOrigin.Builder.create(Fn.select(2, Fn.split("/", api.getApiEndpoint()))).build();
    BehaviorOptions toApi = BehaviorOptions.builder()
        .origin(apiOrigin)
        .viewerProtocolPolicy(ViewerProtocolPolicy.HTTPS_ONLY)
        .allowedMethods(AllowedMethods.ALLOW_ALL)
        .cachePolicy(CachePolicy.CACHING_DISABLED)
        .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER)
        .build();
    Function deepLinks = Function.Builder.create(this, "DeepLinks")
        .runtime(FunctionRuntime.JS_2_0)
        .code(FunctionCode.fromInline(DEEP_LINKS))
        .comment("console deep links answer /console/index.html")
        .build();
    distribution = Distribution.Builder.create(this, "Distribution")
        .comment("Pier console (" + config.stage() + ")")
        .defaultBehavior(BehaviorOptions.builder()
            .origin(S3BucketOrigin.withOriginAccessControl(bucket))
            .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
            .responseHeadersPolicy(ResponseHeadersPolicy.SECURITY_HEADERS)
            .functionAssociations(List.of(FunctionAssociation.builder()
                .eventType(FunctionEventType.VIEWER_REQUEST).function(deepLinks).build()))
            .build())
        .additionalBehaviors(behaviours(toApi))
        .build();
    Nag.suppress(distribution, "AwsSolutions-CFR1", "The console is for the platform's users wherever they are; "
        + "Cognito and the API's authorizer decide who gets in.");
    Nag.suppress(distribution, "AwsSolutions-CFR2", "API Gateway throttles per route behind it; add a WAF web ACL "
        + "in front of the whole distribution where an organisation runs one.");
    Nag.suppress(distribution, "AwsSolutions-CFR3", "API requests are logged by the API stage's access logs; static "
        + "file reads carry nothing to audit.");
    Nag.suppress(distribution, "AwsSolutions-CFR4", "The default *.cloudfront.net certificate; a custom domain with "
        + "its own certificate sets the minimum protocol version to TLSv1.2_2021.");
    String home = "https://" + distribution.getDistributionDomainName() + "/console/";
    client = pool.addClient("ConsoleClient", UserPoolClientOptions.builder()
        .generateSecret(false)
        .oAuth(OAuthSettings.builder()
            .flows(OAuthFlows.builder().authorizationCodeGrant(true).build())
            .scopes(Stream.concat(Stream.of(OAuthScope.OPENID, OAuthScope.EMAIL), apiScopes.stream()).toList())
            .callbackUrls(List.of(home))
            .logoutUrls(List.of(home))
            .build())
        .accessTokenValidity(Duration.hours(1))
        .build());
    String scopes = String.join(" ", Stream.concat(Stream.of("openid", "email"),
        apiScopes.stream().map(OAuthScope::getScopeName)).toList());
    BucketDeployment deployment = BucketDeployment.Builder.create(this, "Deploy")
        .destinationBucket(bucket)
        .sources(List.of(Source.asset(files().toString()),
            Source.jsonData("console/config.json", Map.of("api", "", "cognito", Map.of(
                "domain", domain.baseUrl(), "clientId", client.getUserPoolClientId(), "redirectUri", home,
                "scope", scopes)))))
        .distribution(distribution)
        .distributionPaths(List.of("/console/*"))
        .build();
    for (IConstruct c : Stack.of(this).getNode().getChildren()) {
      if (c.getNode().getId().startsWith("Custom::CDKBucketDeployment")) {
        Nag.suppress(c, "AwsSolutions-IAM4", "CDK's BucketDeployment handler: the AWS managed basic execution role.");
        Nag.suppress(c, "AwsSolutions-IAM5", "CDK's BucketDeployment handler copies the console's asset objects.");
        Nag.suppress(c, "AwsSolutions-L1", "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib.");
      }
    }
    Nag.suppress(deployment, "AwsSolutions-IAM5", "CDK's BucketDeployment copies the console's asset objects.");
    new CfnOutput(this, "ConsoleUrl", CfnOutputProps.builder().value(home).description("The Pier console").build());
  }

  private static Map<String, BehaviorOptions> behaviours(BehaviorOptions toApi) {
    Map<String, BehaviorOptions> m = new java.util.LinkedHashMap<>();
    m.put("/api/*", toApi);
    m.put("/v2/*", toApi);
    return m;
  }

  UserPoolClient client() {
    return client;
  }

  Distribution distribution() {
    return distribution;
  }

  /** The console's files, copied from the pier-console jar on the class path into a directory to upload. */
  static Path files() {
    URL index = ConsoleSite.class.getClassLoader().getResource("META-INF/resources/console/index.html");
    if (index == null) {
      throw new IllegalStateException("the pier-console jar (functions/console) is not on the class path");
    }
    try {
      Path out = Files.createTempDirectory("pier-console-site");
      URI uri = index.toURI();
      if (uri.getScheme().equals("jar")) {
        try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
          copy(jar.getPath("/META-INF/resources/console"), out.resolve("console"));
        }
      } else {
        copy(Path.of(uri).getParent(), out.resolve("console"));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

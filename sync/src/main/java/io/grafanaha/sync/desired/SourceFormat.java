package io.grafanaha.sync.desired;

/**
 * How a dashboard is written in Git, so write-back can keep the file in the form it found.
 *
 * @param kind classic dashboard JSON, or a Kubernetes-style {@code dashboard.grafana.app} resource
 * @param encoding JSON or YAML
 * @param apiVersion the resource's {@code apiVersion} (e.g. {@code dashboard.grafana.app/v1beta1}); empty for classic
 */
public record SourceFormat(Kind kind, Encoding encoding, String apiVersion) {

    /** The shape of the file. */
    public enum Kind { CLASSIC, RESOURCE }

    /** The syntax of the file. */
    public enum Encoding { JSON, YAML }

    public static SourceFormat classic(Encoding encoding) {
        return new SourceFormat(Kind.CLASSIC, encoding, "");
    }

    public static SourceFormat resource(Encoding encoding, String apiVersion) {
        return new SourceFormat(Kind.RESOURCE, encoding, apiVersion);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + "/" + encoding.name().toLowerCase();
    }
}

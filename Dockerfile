# Build: docker build -t grafana-ha-gateway .
# Run:   docker run -p 8080:8080 -p 9090:9090 -v $PWD/gateway.yaml:/etc/grafana-ha-gateway/gateway.yaml grafana-ha-gateway
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY testkit/pom.xml testkit/
COPY health/pom.xml health/
COPY sync/pom.xml sync/
COPY gateway/pom.xml gateway/
RUN mvn -B -ntp -q dependency:go-offline -DexcludeArtifactIds=testkit,health,sync || true
COPY . .
RUN mvn -B -ntp -q package -DskipTests

FROM eclipse-temurin:17-jre
# curl serves the HEALTHCHECK only.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home-dir /var/lib/grafana-ha-gateway --create-home gateway
COPY --from=build /src/gateway/target/grafana-ha-gateway.jar /opt/grafana-ha-gateway/grafana-ha-gateway.jar
COPY conf/ /opt/grafana-ha-gateway/conf/
USER gateway
WORKDIR /var/lib/grafana-ha-gateway
EXPOSE 8080 9090
# The admin listener's liveness endpoint; the configuration must put admin.listen on :9090 (all interfaces).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD curl -fsS http://127.0.0.1:9090/healthz || exit 1
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/grafana-ha-gateway/grafana-ha-gateway.jar"]
CMD ["run", "--config", "/etc/grafana-ha-gateway/gateway.yaml"]

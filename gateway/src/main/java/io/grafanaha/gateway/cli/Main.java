package io.grafanaha.gateway.cli;

public final class Main {
    public static void main(String[] args) {
        System.out.println("grafana-ha-gateway");
    }
}

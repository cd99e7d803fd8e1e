/** Who is alive and who should serve: backend health, checks, and the routing state machine. */
package io.grafanaha.health;

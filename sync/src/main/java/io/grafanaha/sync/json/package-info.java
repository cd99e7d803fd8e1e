/** The normalised form in which dashboards are compared and hashed. */
package io.grafanaha.sync.json;

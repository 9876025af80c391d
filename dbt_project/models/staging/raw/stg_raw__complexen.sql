{#- Complexes, one-to-one with raw.complexen: every snapshot version (geldig_vanaf/geldig_tot), renamed. -#}
with

source as (
    select * from {{ source('raw', 'complexen') }}
),

renamed as (
    select
        -- ids
        cast(complex_id as {{ dbt.type_string() }}) as complex_id,
        -- attributes
        naam as complex_naam,
        buurtcode,
        buurt,
        wijk,
        plaats,

        -- history (per-extract snapshot versions) and lineage
        {{ raw_snapshot_columns() }}
    from source
)

select * from renamed

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

        -- history (per-extract snapshot versions)
        _geldig_vanaf as geldig_vanaf,
        _geldig_tot as geldig_tot,
        (_geldig_vanaf <= {{ extractdatum() }}
            and (_geldig_tot is null or _geldig_tot > {{ extractdatum() }})) as is_actueel,
        -- lineage
        _extractdatum as extractdatum,
        _bronbestand as bronbestand
    from source
)

select * from renamed
